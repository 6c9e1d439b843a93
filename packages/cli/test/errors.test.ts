// Bad CSV rows are reported by file, line and column; options are honoured or refused, never ignored.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, plugml, tempDir } from "./run.js";

const dir = tempDir();
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const out = join(dir, "never.json");

describe("bad rows", () => {
  it("a cell that is not a number: line and column, by number and name", async () => {
    const lines = ["sepal_length,sepal_width,petal_length"];
    for (let i = 0; i < 1300; i++) lines.push(i === 1232 ? "5.1,abc,1.4" : "5.1,3.5,1.4");
    const csv = file("iris-bad.csv", lines.join("\n") + "\n");
    const r = await cli(["fit", csv, "--estimator", "kmeans", "--clusters", "2", "--out", out]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: `plugml: ${csv}:1234: column 2 ("sepal_width"): "abc" is not a number\n` });
    expect(existsSync(out)).toBe(false);
  });

  it("a short row, an empty cell, a non-finite value, a headerless file, an unclosed quote", async () => {
    const short = file("short.csv", "a,b,c\n1,2,3\n4,5\n");
    expect((await cli(["fit", short, "--estimator", "kmeans", "--out", out])).stderr).toBe(`plugml: ${short}:3: 2 fields, expected 3 (as in line 1)\n`);
    const empty = file("empty.csv", "a,b\n1,2\n3,\n");
    expect((await cli(["fit", empty, "--estimator", "kmeans", "--out", out])).stderr).toBe(`plugml: ${empty}:3: column 2 ("b"): "" is not a number\n`);
    const inf = file("inf.csv", "1,2\n3,Infinity\n");
    expect((await cli(["fit", inf, "--estimator", "kmeans", "--out", out])).stderr).toBe(`plugml: ${inf}:2: column 2: "Infinity" is not a finite number\n`);
    const quote = file("quote.csv", 'a,b\n1,2\n3,"4\n');
    const q = await cli(["fit", quote, "--estimator", "kmeans", "--out", out]);
    expect(q.code).toBe(1);
    expect(q.stderr).toMatch(new RegExp(`^plugml: ${quote.replace(/[.]/g, "\\.")}:[34]: .*quote`, "i"));
  });

  it("--no-header makes a text first row an error; a numeric target that is not a number is one too", async () => {
    const csv = file("labels.csv", "x,y\n1,2\n");
    expect((await cli(["fit", csv, "--estimator", "kmeans", "--no-header", "--out", out])).stderr).toBe(`plugml: ${csv}:1: column 1: "x" is not a number\n`);
    const reg = file("reg.csv", "x,t\n1,2\n2,big\n");
    expect((await cli(["fit", reg, "--estimator", "knn-regressor", "--target", "t", "--out", out])).stderr).toBe(
      `plugml: ${reg}:3: column 2 ("t") (the target): "big" is not a number\n`,
    );
  });

  it("a missing file, an empty file, a model that is not one", async () => {
    const missing = join(dir, "nope.csv");
    expect((await cli(["fit", missing, "--estimator", "kmeans", "--out", out])).stderr).toMatch(/^plugml: cannot read .*nope\.csv: ENOENT/);
    const blank = file("blank.csv", "a,b\n");
    expect((await cli(["fit", blank, "--estimator", "kmeans", "--out", out])).stderr).toBe(`plugml: ${blank}: no data rows\n`);
    const notModel = file("not-model.json", '{"hello": 1}');
    const r = await cli(["predict", notModel, blank]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: `plugml: ${notModel} is neither a model file written by plugml fit nor a saved plugml model\n` });
  });
});

describe("options", () => {
  const csv = file("ok.csv", "a,b,label\n0,0,x\n0,1,x\n5,5,y\n5,6,y\n");
  const usage = async (args: string[], message: string) => {
    const r = await cli(args);
    expect(r.stderr).toBe(message);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  };

  it("an option of another estimator is refused, naming the ones that apply", async () => {
    await usage(
      ["fit", csv, "--estimator", "knn-classifier", "--target", "label", "--clusters", "8", "--out", out],
      "plugml: --clusters does not apply to --estimator knn-classifier (its options: --neighbors, --metric, --p, --weights); --clusters is for kmeans\n",
    );
    await usage(
      ["fit", csv, "--estimator", "kmeans", "--drop", "label", "--neighbors", "3", "--out", out],
      "plugml: --neighbors does not apply to --estimator kmeans (its options: --clusters, --init, --n-init, --max-iter, --tol, --random-state); --neighbors is for knn-classifier, knn-regressor, nearest-neighbors\n",
    );
    await usage(
      ["fit", csv, "--estimator", "nearest-neighbors", "--drop", "label", "--weights", "distance", "--out", out],
      "plugml: --weights does not apply to --estimator nearest-neighbors (its options: --neighbors, --metric, --p); --weights is for knn-classifier, knn-regressor\n",
    );
    await usage(
      ["fit", csv, "--estimator", "knn-regressor", "--target", "a", "--drop", "label", "--metric", "cosine", "--p", "3", "--out", out],
      "plugml: --p applies only to --metric minkowski, not cosine\n",
    );
  });

  it("--target: required by the supervised estimators, refused by the others, checked against the header", async () => {
    await usage(["fit", csv, "--estimator", "knn-classifier", "--out", out], "plugml: --estimator knn-classifier learns from labels: give the label column with --target <name or number>\n");
    await usage(
      ["fit", csv, "--estimator", "kmeans", "--target", "label", "--out", out],
      "plugml: --target does not apply to --estimator kmeans, which learns without labels (to leave a column out, use --drop)\n",
    );
    await usage(["fit", csv, "--estimator", "knn-classifier", "--target", "lable", "--out", out], 'plugml: --target "lable": no such column; its columns are "a", "b", "label"\n');
    await usage(["fit", csv, "--estimator", "knn-classifier", "--target", "4", "--out", out], "plugml: --target 4: the file has 3 columns\n");
    await usage(["fit", csv, "--estimator", "knn-classifier", "--target", "3", "--drop", "label", "--out", out], "plugml: --target 3 is also given to --drop\n");
  });

  it("unknown options, bad values and missing required options are usage errors (exit code 2)", async () => {
    await usage(["fit", csv, "--estimator", "kmeans", "--clusterz", "3", "--out", out], "plugml: error: unknown option '--clusterz'\n(Did you mean --clusters?)\n(add --help for usage)\n");
    await usage(["fit", csv, "--estimator", "kmeans", "--clusters", "many", "--out", out], "plugml: error: option '--clusters <k>' argument 'many' is invalid. expected an integer.\n(add --help for usage)\n");
    await usage(
      ["fit", csv, "--estimator", "kmean", "--out", out],
      "plugml: error: option '--estimator <name>' argument 'kmean' is invalid. Allowed choices are kmeans, knn-classifier, knn-regressor, nearest-neighbors, standard-scaler.\n(add --help for usage)\n",
    );
    await usage(["fit", csv, "--estimator", "kmeans", "--drop", "label"], "plugml: error: required option '--out <file>' not specified\n(add --help for usage)\n");
    await usage(["fit", csv, "--estimator", "kmeans", "--drop", "label", "--clusters", "0", "--out", out], "plugml: KMeans: parameter nClusters must be an integer >= 1, got 0.\n");
    await usage(["predict", out, csv, "--clusters", "3"], "plugml: error: unknown option '--clusters'\n(add --help for usage)\n");
    await usage(["fitt"], "plugml: error: unknown command 'fitt'\n(Did you mean fit?)\n(add --help for usage)\n");
  });

  it("an engine that is not installed fails the fit, with or without fallback, saying what to install", async () => {
    for (const extra of [[], ["--no-fallback"]]) {
      const r = await cli(["fit", csv, "--estimator", "kmeans", "--drop", "label", "--clusters", "2", "--engine", "nosuch", ...extra, "--out", out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('plugml: EngineNotFoundError: Engine "nosuch" is not registered and none of the packages @plugml/engine-nosuch, plugml-engine-nosuch could be loaded.');
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe("the executable", () => {
  it("exits with 1 for bad data and 2 for a bad command line, the message on stderr", async () => {
    const csv = file("exe.csv", "a,b\n1,2\n3,x\n");
    expect(await plugml(["fit", csv, "--estimator", "kmeans", "--out", out])).toEqual({ code: 1, stdout: "", stderr: `plugml: ${csv}:3: column 2 ("b"): "x" is not a number\n` });
    expect(await plugml(["fit", csv, "--estimator", "kmeans", "--clusters", "2", "--neighbors", "2", "--out", out])).toEqual({
      code: 2,
      stdout: "",
      stderr: "plugml: --neighbors does not apply to --estimator kmeans (its options: --clusters, --init, --n-init, --max-iter, --tol, --random-state); --neighbors is for knn-classifier, knn-regressor, nearest-neighbors\n",
    });
    expect(existsSync(out)).toBe(false);
  });
});
