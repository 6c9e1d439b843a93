// plugml fit and plugml predict against the same estimators used in-process: a 100,000-row KMeans, and the other
// estimators on small files with known answers (run in this process, through the same main as the executable).
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { KMeans, loadModel, Matrix } from "@plugml/core";
import { cli, plugml, tempDir, writeBlobs } from "./run.js";

const dir = tempDir();

describe("fit and predict, 100,000 x 8 with KMeans", () => {
  const csv = join(dir, "blobs.csv");
  const modelPath = join(dir, "model.json");
  let values: Float64Array;
  let predictedLines: string[] = [];
  beforeAll(() => {
    values = writeBlobs(csv, 100_000, 8, 5, 12, 2.5);
  });

  it("saves a model whose predictions equal an in-process fit with the same parameters", async () => {
    const fit = await plugml(["fit", csv, "--estimator", "kmeans", "--clusters", "5", "--random-state", "3", "--engine", "cpu", "--out", modelPath]);
    expect(fit.stderr).not.toContain("plugml:");
    expect(fit.code).toBe(0);
    expect(fit.stdout).toBe("");

    const predicted = await plugml(["predict", modelPath, csv]);
    expect(predicted.code).toBe(0);
    const lines = predicted.stdout.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(100_000);
    predictedLines = lines;

    const km = new KMeans({ nClusters: 5, randomState: 3 }).setComputationalEngine("cpu");
    await km.fit(new Matrix(values, 100_000, 8));
    const expected = await km.predict(new Matrix(values, 100_000, 8));
    expect(lines.map(Number)).toEqual(Array.from(expected));
    expect(new Set(lines).size).toBe(5);

    // The model part is what loadModel reads; the CLI block records the columns.
    const file = JSON.parse(readFileSync(modelPath, "utf8"));
    expect(file.plugmlCli).toEqual({
      version: 1,
      estimator: "kmeans",
      dtype: "float64",
      nFields: 8,
      columns: ["f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8"],
      features: [0, 1, 2, 3, 4, 5, 6, 7],
      dropped: [],
    });
    const loaded = loadModel(file.model) as KMeans;
    expect(loaded).toBeInstanceOf(KMeans);
    expect(loaded.inertia_).toBeCloseTo(km.inertia_, 6);
    expect(Array.from(loaded.clusterCenters_.data)).toEqual(Array.from(km.clusterCenters_.data));
    expect(file.model.engineSetting).toEqual({ engines: ["cpu"] });
  });

  it("finds the feature columns by name in a file whose columns are reordered, and writes --out", async () => {
    // The first 1,000 rows with the columns reversed.
    const rows = readFileSync(csv, "utf8").split("\n").slice(0, 1001);
    writeFileSync(join(dir, "reversed.csv"), rows.map((r) => r.split(",").reverse().join(",")).join("\n") + "\n");
    const out = join(dir, "reversed.txt");
    const reversed = await plugml(["predict", modelPath, join(dir, "reversed.csv"), "--out", out]);
    expect(reversed.code).toBe(0);
    expect(reversed.stdout).toBe("");
    expect(readFileSync(out, "utf8").split("\n").slice(0, 1000)).toEqual(predictedLines.slice(0, 1000));
    expect(predictedLines).toHaveLength(100_000);

    writeFileSync(join(dir, "missing.csv"), "f1,f2,f3\n1,2,3\n");
    const missing = await plugml(["predict", modelPath, join(dir, "missing.csv")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `plugml: ${join(dir, "missing.csv")}: the model's feature column "f4" is missing (the file's columns: "f1", "f2", "f3")\n`,
    );
  });
});

describe("the other estimators", () => {
  const train = join(dir, "train.csv");
  beforeAll(() => {
    writeFileSync(train, "id,x,y,kind,size\n1,0,0,small,1.5\n2,0,1,small,2.5\n3,1,0,small,3.5\n4,9,9,large,10\n5,9,10,large,11\n6,10,9,large,12\n");
  });

  it("knn-classifier: string labels from --target by name, --drop by number", async () => {
    const model = join(dir, "clf.json");
    const fit = await cli(["fit", train, "--estimator", "knn-classifier", "--neighbors", "3", "--target", "kind", "--drop", "1,size", "--out", model]);
    expect(fit.stderr).toMatch(/^read .*train\.csv: 6 rows x 2 features \(float64\)/);
    expect(fit.code).toBe(0);
    expect(JSON.parse(readFileSync(model, "utf8")).plugmlCli).toMatchObject({ features: [1, 2], target: 3, dropped: [0, 4] });
    // The training file itself: target and dropped columns are skipped by name.
    const again = await cli(["predict", model, train]);
    expect(again.stdout).toBe("small\nsmall\nsmall\nlarge\nlarge\nlarge\n");
    writeFileSync(join(dir, "queries.csv"), "y,x\n0.5,0.2\n9.5,9.9\n");
    const p = await cli(["predict", model, join(dir, "queries.csv")]);
    expect(p).toEqual({ code: 0, stdout: "small\nlarge\n", stderr: "" });
    // An unknown column is an error, not ignored.
    writeFileSync(join(dir, "extra.csv"), "x,y,z\n1,2,3\n");
    const extra = await cli(["predict", model, join(dir, "extra.csv")]);
    expect(extra.code).toBe(1);
    expect(extra.stderr).toContain(`column "z" is not in the model's training file (features: "x", "y")`);
  });

  it("knn-regressor: numeric target by column number", async () => {
    const model = join(dir, "reg.json");
    const fit = await cli(["fit", train, "--estimator", "knn-regressor", "--neighbors", "3", "--target", "5", "--drop", "id,kind", "--out", model]);
    expect(fit.code).toBe(0);
    writeFileSync(join(dir, "q.csv"), "0,0\n9,9\n");
    const p = await cli(["predict", model, join(dir, "q.csv")]);
    expect(p.stdout).toBe("2.5\n11\n");
    // A headerless file as wide as the training file: the same fields are skipped.
    writeFileSync(join(dir, "wide.csv"), "7,0,0,anything,0\n");
    expect((await cli(["predict", model, join(dir, "wide.csv"), "--no-header"])).stdout).toBe("2.5\n");
    writeFileSync(join(dir, "narrow.csv"), "7,0,0\n");
    const narrow = await cli(["predict", model, join(dir, "narrow.csv")]);
    expect(narrow.code).toBe(1);
    expect(narrow.stderr).toBe(`plugml: ${join(dir, "narrow.csv")}: rows have 3 fields, the model expects 2 (the features) or 5 (as the training file)\n`);
  });

  it("nearest-neighbors prints the nearest training rows; standard-scaler the scaled rows", async () => {
    writeFileSync(join(dir, "pts.csv"), "0,0\n1,0\n10,0\n11,0\n");
    const nn = join(dir, "nn.json");
    expect((await cli(["fit", join(dir, "pts.csv"), "--estimator", "nearest-neighbors", "--neighbors", "2", "--metric", "manhattan", "--out", nn])).code).toBe(0);
    writeFileSync(join(dir, "nq.csv"), "0.2,0\n10.6,0\n");
    expect((await cli(["predict", nn, join(dir, "nq.csv")])).stdout).toBe("0,1\n3,2\n");

    const sc = join(dir, "sc.json");
    expect((await cli(["fit", join(dir, "pts.csv"), "--estimator", "standard-scaler", "--without-std", "--out", sc])).code).toBe(0);
    expect((await cli(["predict", sc, join(dir, "nq.csv")])).stdout).toBe("-5.3,0\n5.1,0\n");
  });

  it("--dtype float32 reads and saves float32", async () => {
    const model = join(dir, "f32.json");
    const fit = await cli(["fit", join(dir, "pts.csv"), "--estimator", "kmeans", "--clusters", "2", "--random-state", "0", "--dtype", "float32", "--out", model]);
    expect(fit.stderr).toContain("4 rows x 2 features (float32)");
    const file = JSON.parse(readFileSync(model, "utf8"));
    expect(file.plugmlCli.dtype).toBe("float32");
    expect(file.model.fitted.clusterCenters.dtype).toBe("float32");
    const p = await cli(["predict", model, join(dir, "pts.csv")]);
    const labels = p.stdout.trim().split("\n");
    expect(labels[0]).toBe(labels[1]);
    expect(labels[2]).toBe(labels[3]);
    expect(labels[0]).not.toBe(labels[2]);
    expect(existsSync(model)).toBe(true);
  });
});

describe("CSV dialects", () => {
  it("--delimiter (including \\t), quoted fields, a byte order mark, spaces around fields, empty lines", async () => {
    const semi = join(dir, "semi.csv");
    writeFileSync(semi, '\ufeff"a";"b"\n 0 ; 0\n\n0;1\n"10";10\n10 ;11\n');
    const model = join(dir, "semi.json");
    const fit = await cli(["fit", semi, "--delimiter", ";", "--estimator", "kmeans", "--clusters", "2", "--random-state", "0", "--out", model]);
    expect(fit.stderr).toContain("4 rows x 2 features");
    expect(JSON.parse(readFileSync(model, "utf8")).plugmlCli.columns).toEqual(["a", "b"]);
    const tsv = join(dir, "q.tsv");
    writeFileSync(tsv, "b\ta\n0.5\t0\n10.5\t10\n");
    const p = await cli(["predict", model, tsv, "--delimiter", "\\t"]);
    const [low, high] = p.stdout.trim().split("\n");
    const train = (await cli(["predict", model, semi, "--delimiter", ";"])).stdout.trim().split("\n");
    expect([low, high]).toEqual([train[0], train[2]]);
    expect(low).not.toBe(high);
    // Read with the wrong delimiter: csv-parse's own error, with the line.
    const wrong = await cli(["predict", model, semi]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(`plugml: ${semi}:1: Invalid Closing Quote: got ";" at line 1 instead of delimiter, record delimiter, trimable character (if activated) or comment\n`);
    writeFileSync(join(dir, "plain.csv"), "a;b\n1;2\n");
    const plain = await cli(["predict", model, join(dir, "plain.csv")]);
    expect(plain.stderr).toBe(`plugml: ${join(dir, "plain.csv")}: the model's feature column "a" is missing (the file's columns: "a;b")\n`);
    const bad = await cli(["fit", semi, "--delimiter", ";;", "--estimator", "kmeans", "--out", model]);
    expect(bad).toEqual({ code: 2, stdout: "", stderr: 'plugml: --delimiter must be one character other than a quote or a newline, got ";;"\n' });
  });
});
