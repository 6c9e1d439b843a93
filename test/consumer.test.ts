// The four packages as a consumer gets them: packed with `npm pack` and installed from the tarballs into a fresh
// project outside the monorepo (tapable, semver and the rest come from npm's cache; nothing is linked to the
// workspace). There, the fixtures in test/consumer/:
// - program.ts, type-checked with TypeScript's strict nodenext settings and skipLibCheck: false, and run both as an
//   ES module and as CommonJS (require() of the ES module packages, Node >= 20.19);
// - persist-*.mjs: a model saved with JSON.stringify in one process and loaded with loadModel in another (ESM and
//   CommonJS), predicting the same;
// - page.ts, bundled by esbuild, minified, and opened in headless Chromium, cross-origin isolated or not;
// - the `plugml` command of @plugml/cli, fitting and predicting on a small CSV file;
// - @plugml/engine-dask loaded by name, against a local Dask cluster, and declining without one.
// One pack and install serves every case.
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { hasDask, startCluster } from "../packages/engine-dask/test/local-cluster.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixtures = join(root, "test", "consumer");
const CHROMIUM = "/usr/bin/chromium";
const runFile = promisify(execFile);

const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
/** Runs `node file` in `cwd`; rejects with its stderr on a non-zero exit. */
async function node(file: string, cwd: string): Promise<string> {
  try {
    return (await runFile(process.execPath, [file], { cwd, encoding: "utf8", timeout: 60_000 })).stdout;
  } catch (e) {
    const { stderr, stdout } = e as { stderr?: string; stdout?: string };
    throw new Error(`node ${file} failed:\n${stderr ?? ""}${stdout ?? ""}`);
  }
}
/** Type-checks (and, for tsconfig.json, emits) a consumer project; resolves with the compiler's output, "" when clean. */
async function tsc(project: string, cwd: string): Promise<string> {
  try {
    await runFile(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", project], { cwd, encoding: "utf8" });
    return "";
  } catch (e) {
    return String((e as { stdout?: string }).stdout || e);
  }
}
const lastJsonLine = (stdout: string) => JSON.parse(stdout.trim().split("\n").pop()!);

// The consumer's TypeScript settings: strict, nodenext (the module format follows the nearest package.json), and
// every published declaration checked. "DOM" is in lib because @webgpu/types, which engine-webgpu's declarations
// reference, needs it.
const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2022", "DOM"],
    module: "nodenext",
    moduleResolution: "nodenext",
    strict: true,
    skipLibCheck: false,
    types: ["node"],
    noEmitOnError: false,
  },
  include: ["esm/program.ts", "cjs/program.ts"],
};
const TSCONFIG_NODE10 = {
  compilerOptions: { ...TSCONFIG.compilerOptions, module: "commonjs", moduleResolution: "node10", noEmit: true },
  include: ["cjs/program.ts"],
};
const TSCONFIG_BUNDLER = {
  compilerOptions: { ...TSCONFIG.compilerOptions, module: "preserve", moduleResolution: "bundler", noEmit: true },
  include: ["esm/program.ts"],
};

const ERROR_NAMES = [
  "PlugmlError",
  "ValidationError",
  "NotFittedError",
  "EngineNotFoundError",
  "EngineDeclinedError",
  "NotSupportedByEngineError",
  "EngineValidationError",
  "EngineContractError",
  "DeviceLostError",
  "TransferNotAllowedError",
  "AbortError",
  "PlugmlWarning",
  "ConvergenceWarning",
  "ParameterWarning",
];

describe("the packed packages in a fresh consumer project", () => {
  let dir: string;
  let app: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "plugml-consumer-"));
    const packs = join(dir, "packs");
    mkdirSync(packs);
    const tarballs = npm(
      ["pack", "--silent", "--pack-destination", packs, ...["core", "engine-cpu", "engine-webgpu", "engine-dask", "cli"].map((p) => join(root, "packages", p))],
      root,
    )
      .trim()
      .split("\n")
      .map((name) => join(packs, name.trim()));
    app = join(dir, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", private: true }));
    const typesNode = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies["@types/node"];
    npm(["install", "--no-audit", "--no-fund", "--prefer-offline", ...tarballs, `@types/node@${typesNode}`], app);
    for (const [folder, type] of [["esm", "module"], ["cjs", "commonjs"]]) {
      mkdirSync(join(app, folder));
      writeFileSync(join(app, folder, "package.json"), JSON.stringify({ type }));
      cpSync(join(fixtures, "program.ts"), join(app, folder, "program.ts"));
    }
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
    writeFileSync(join(app, "tsconfig.node10.json"), JSON.stringify(TSCONFIG_NODE10, null, 2));
    writeFileSync(join(app, "tsconfig.bundler.json"), JSON.stringify(TSCONFIG_BUNDLER, null, 2));
    mkdirSync(join(app, "persist"));
    for (const f of ["persist-data.mjs", "persist-save.mjs", "persist-load.mjs", "persist-load.cjs"]) cpSync(join(fixtures, f), join(app, "persist", f));
    mkdirSync(join(app, "browser"));
    cpSync(join(fixtures, "page.ts"), join(app, "browser", "page.ts"));
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("ships what consumers need and nothing else", () => {
    for (const pkg of ["core", "engine-cpu", "engine-webgpu", "engine-dask"]) {
      const installed = join(app, "node_modules", "@plugml", pkg);
      for (const file of ["README.md", "LICENSE", "package.json", "dist/index.js", "dist/index.d.ts"]) expect(existsSync(join(installed, file))).toBe(true);
      expect(existsSync(join(installed, "src"))).toBe(false);
      expect(existsSync(join(installed, "dist", "index.js.map"))).toBe(false);
    }
    const testing = join(app, "node_modules", "@plugml", "core", "dist", "testing");
    expect(existsSync(join(testing, "sklearn-reference.js"))).toBe(true);
    expect(existsSync(join(testing, "sklearn-reference.ts"))).toBe(false);
  });

  it("type-checks a strict nodenext program using every entry point, as ESM and as CommonJS, with skipLibCheck false", async () => {
    // Also under the older and the bundler resolutions: node10 (no exports maps: typesVersions maps the subpaths)
    // and bundler, each on the copy whose module format it compiles to.
    const outputs = await Promise.all(["tsconfig.json", "tsconfig.node10.json", "tsconfig.bundler.json"].map((project) => tsc(project, app)));
    expect(outputs).toEqual(["", "", ""]);
    // nodenext compiled the CommonJS copy's imports to require() calls.
    expect(readFileSync(join(app, "cjs", "program.js"), "utf8")).toContain('require("@plugml/core")');
  }, 60_000);

  it("runs the program as an ES module and as CommonJS, with the same results", async () => {
    const [esm, cjs] = await Promise.all([node(join("esm", "program.js"), app), node(join("cjs", "program.js"), app)].map(async (p) => lastJsonLine(await p)));
    expect(esm.format).toBe("esm");
    expect(cjs.format).toBe("commonjs");
    for (const result of [esm, cjs]) {
      expect(result).toMatchObject({
        byName: { engine: "cpu", nIter: 4, expectedNIter: 4 },
        custom: { engine: "cpu-consumer", labelsMatch: true, threads: 2 },
        pipeline: { predicted: ["small", "large"], engines: { scale: "cpu", knn: "cpu" } },
        kernel: 5,
        webgpu: { name: "webgpu", minElements: 65536 },
        // One registry: the engine core imported by name and the one registered by the program.
        engines: ["cpu", "cpu-consumer"],
        errors: {
          notFound: "EngineNotFoundError",
          invalid: "ValidationError",
          aborted: "AbortError",
          classes: ["ValidationError", "EngineNotFoundError", "AbortError"],
          instanceOf: true,
        },
      });
    }
    expect({ ...cjs, format: "esm" }).toEqual(esm);
  }, 60_000);

  // Needs the persistence API (estimator.toJSON(), loadModel) in @plugml/core.
  it("saves models with JSON.stringify in one process and loads them with loadModel in another (ESM and CommonJS)", async () => {
    const cwd = join(app, "persist");
    const saved = lastJsonLine(await node("persist-save.mjs", cwd));
    expect(Object.keys(saved)).toEqual(["kmeans", "knn", "scaler", "pipeline"]);
    for (const loader of ["persist-load.mjs", "persist-load.cjs"]) {
      const loaded = lastJsonLine(await node(loader, cwd));
      expect(loaded.outputs).toEqual(saved);
      expect(loaded.restored).toEqual({ kmeans: true, knn: true, scaler: true, pipeline: true });
    }
  }, 60_000);

  it("installs the plugml command from @plugml/cli's tarball: fit and predict on a CSV file, engines", async () => {
    const cli = join(app, "node_modules", "@plugml", "cli");
    for (const file of ["README.md", "LICENSE", "package.json", "dist/bin.js"]) expect(existsSync(join(cli, file))).toBe(true);
    expect(existsSync(join(cli, "src"))).toBe(false);
    expect(existsSync(join(cli, "test"))).toBe(false);
    expect(existsSync(join(cli, "dist", "bin.js.map"))).toBe(false);
    const bin = join(app, "node_modules", ".bin", "plugml");
    const cwd = join(app, "cli");
    mkdirSync(cwd);
    writeFileSync(join(cwd, "points.csv"), "x,y\n0,0\n0,1\n10,10\n10,11\n");
    const run = async (args: string[]) => (await runFile(bin, args, { cwd, encoding: "utf8", timeout: 60_000 })).stdout;
    await run(["fit", "points.csv", "--estimator", "kmeans", "--clusters", "2", "--random-state", "0", "--progress", "none", "--out", "model.json"]);
    const labels = (await run(["predict", "model.json", "points.csv"])).trim().split("\n");
    expect(labels).toHaveLength(4);
    expect(labels[0]).toBe(labels[1]);
    expect(labels[2]).toBe(labels[3]);
    expect(labels[0]).not.toBe(labels[2]);
    expect(await run(["engines"])).toMatch(/^cpu +@plugml\/engine-cpu +0\.1\.0 +yes$/m);
  }, 60_000);

  (hasDask || process.env.CI ? it : it.skip)("loads @plugml/engine-dask by name and runs on a Dask cluster; without a scheduler it declines with the reason", async () => {
    expect(existsSync(join(app, "node_modules", "@plugml", "engine-dask", "python", "bridge.py"))).toBe(true);
    const script = join(app, "esm", "dask.mjs");
    writeFileSync(
      script,
      `import { KMeans } from "@plugml/core";
      const km = await new KMeans({ nClusters: 2, randomState: 0, nInit: 1 }).setComputationalEngine("dask").fit([[0, 0], [0, 1], [9, 9], [9, 8]]);
      console.log(JSON.stringify({ engine: km.engineUsed_, labels: Array.from(km.labels_), reason: km.engineTrace_[0].reason ?? null }));`,
    );
    const run = async (scheduler: string) =>
      lastJsonLine((await runFile(process.execPath, [script], { cwd: app, encoding: "utf8", timeout: 60_000, env: { ...process.env, PLUGML_DASK_SCHEDULER: scheduler } })).stdout);
    const cluster = await startCluster(2);
    try {
      expect(await run(cluster.scheduler)).toEqual({ engine: "dask", labels: [0, 0, 1, 1], reason: null });
    } finally {
      await cluster.stop();
    }
    expect(await run("")).toEqual({ engine: "cpu", labels: [0, 0, 1, 1], reason: "no Dask scheduler: set PLUGML_DASK_SCHEDULER or pass createDaskEngine({ scheduler })" });
  }, 120_000);

  // Skipped without Chromium (test/global-setup.mjs says so once), except on CI, where .ci/run installs it.
  const inBrowser = existsSync(CHROMIUM) || process.env.CI ? it : it.skip;
  inBrowser("runs a minified browser bundle in Chromium: literal error names, registerEngine, engine-cpu's workers when isolated", async () => {
    const bundle = await build({
      entryPoints: [join(app, "browser", "page.ts")],
      absWorkingDir: app,
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      external: ["webgpu"],
      write: false,
      logLevel: "silent",
    });
    const script = bundle.outputFiles[0].text;
    const isolation = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };
    // docs/browser.md's Content-Security-Policy for core and engine-cpu.
    const csp = { ...isolation, "content-security-policy": "script-src 'self' 'unsafe-eval'; worker-src 'self' blob:" };
    const html = `<!doctype html><meta charset="utf-8"><title>consumer</title><script type="module" src="/page.js"></script>`;
    const server: Server = createServer((req, res) => {
      if (req.url === "/page.js") {
        res.writeHead(200, { "content-type": "text/javascript" });
        res.end(script);
        return;
      }
      const headers = req.url === "/isolated/" ? isolation : req.url === "/csp/" ? csp : {};
      res.writeHead(200, { "content-type": "text/html", ...headers });
      res.end(html);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
    try {
      const visit = async (path: string) => {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        await page.goto(origin + path);
        await page.waitForFunction(() => (window as unknown as { consumerResult?: unknown }).consumerResult !== undefined, undefined, { timeout: 30_000 });
        const result = await page.evaluate(() => (window as unknown as { consumerResult?: unknown }).consumerResult);
        await page.close();
        return { errors, result: result as Record<string, any> };
      };
      const [isolated, withCsp, plain] = [await visit("/isolated/"), await visit("/csp/"), await visit("/plain/")];
      for (const [{ errors, result }, crossOriginIsolated] of [[isolated, true], [withCsp, true], [plain, false]] as const) {
        expect(errors).toEqual([]);
        expect(result.error).toBeUndefined();
        expect(result.crossOriginIsolated).toBe(crossOriginIsolated);
        // The bundle is minified: the classes' own names are gone, yet every err.name is the literal one.
        expect(result.minifiedClassNames).not.toContain("ValidationError");
        expect(result.errors.constructed).toEqual(ERROR_NAMES);
        expect(result.errors.invalid).toMatchObject({ name: "ValidationError", instanceOf: true });
        expect(result.errors.aborted).toMatchObject({ name: "AbortError", instanceOf: true });
        expect(result.errors.notFound).toMatchObject({ name: "EngineNotFoundError", instanceOf: true });
        expect(result.errors.notFound.message).toContain("import the engine and call registerEngine(engine)");
        expect(result.kmeans).toMatchObject({ engine: "cpu", labelsMatch: true, predictMatch: true, nIter: 4, expectedNIter: 4 });
        expect(result.kmeans.centersError).toBeLessThan(1e-9);
      }
      // Isolated, the fit ran on engine-cpu's two workers; without isolation on the calling thread, and the trace says why.
      for (const { result } of [isolated, withCsp]) expect(result.kmeans.threads).toMatchObject({ count: 2 });
      expect(plain.result.kmeans.threads.count).toBe(1);
      expect(plain.result.kmeans.threads.reason).toContain("not cross-origin isolated");
    } finally {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 120_000);
});
