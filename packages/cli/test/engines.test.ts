// plugml engines and plugml explain: installed engines with their versions and verdicts, a third-party engine
// found in the working directory's node_modules, and a WebGPU engine without an adapter.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, plugml, root, tempDir } from "./run.js";

const dir = tempDir();
const version = (pkg: string) => JSON.parse(readFileSync(join(root, "packages", pkg, "package.json"), "utf8")).version as string;
// Vulkan's loader finds no driver: Dawn's requestAdapter() returns null, as on a machine without a GPU.
// No WebGPU driver and no Dask scheduler: both engines' reasons are then known.
const NO_ADAPTER = { VK_ICD_FILENAMES: join(dir, "no-such-driver.json"), PLUGML_DASK_SCHEDULER: "" };
const NO_SCHEDULER = "no Dask scheduler: set PLUGML_DASK_SCHEDULER or pass createDaskEngine({ scheduler })";
const ADAPTER_REASON =
  "no WebGPU adapter: requestAdapter() returned null (no Vulkan/Metal/D3D12 driver; on Linux without a GPU run `sudo bash .ci/setup-webgpu.sh` to install Mesa's lavapipe)";
const hasAdapter = !!process.env.CI || spawnSync(process.execPath, [join(root, "scripts", "webgpu-probe.mjs")], { stdio: "ignore" }).status === 0;

/** An engine package as a third party would publish it: KMeans whose gate declines, or StandardScaler only. */
function writeEngine(project: string, name: string, source: string, pkgVersion: string) {
  const pkgDir = join(project, "node_modules", `plugml-engine-${name}`);
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(join(pkgDir, "package.json"), JSON.stringify({ name: `plugml-engine-${name}`, version: pkgVersion, type: "module", exports: { ".": "./index.js" } }));
  writeFileSync(join(pkgDir, "index.js"), source);
}

const project = join(dir, "project");
beforeAll(() => {
  writeEngine(
    project,
    "clifake",
    `const no = () => { throw new Error("never called"); };
export default { name: "clifake", version: "9.9.9", coreApi: "^1.1.0",
  estimators: { KMeans: { accepts: () => "clifake declines every call (a test engine)", fit: no, predict: no, transform: no, score: no } } };`,
    "9.9.9",
  );
  writeEngine(
    project,
    "clisc",
    `const no = () => { throw new Error("never called"); };
export const engine = { name: "clisc", version: "1.2.0", coreApi: "^1.1.0",
  estimators: { StandardScaler: { fit: no, transform: no, inverseTransform: no } } };`,
    "1.2.3",
  );
  writeEngine(project, "clibroken", `throw new Error("clibroken fails on import");`, "0.0.1");
  writeFileSync(join(project, "small.csv"), "a,b\n0,0\n1,1\n9,9\n10,10\n");
});

describe("plugml engines", () => {
  it("lists the first-party engines with their versions; webgpu without an adapter says why it cannot run", async () => {
    const r = await plugml(["engines"], { env: NO_ADAPTER });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^engine +package +version +can run here$/);
    expect(lines[1]).toMatch(new RegExp(`^cpu +@plugml/engine-cpu +${version("engine-cpu")} +yes$`));
    expect(lines[2]).toMatch(/^webgpu +@plugml\/engine-webgpu +\S+ +no: (.*)$/);
    expect(lines[2].endsWith(`no: ${ADAPTER_REASON}`)).toBe(true);
    expect(lines[3]).toMatch(/^dask +@plugml\/engine-dask +\S+ +no: /);
    expect(lines[3].endsWith(`no: ${NO_SCHEDULER}`)).toBe(true);
    expect(lines).toHaveLength(4);
  });

  (hasAdapter ? it : it.skip)("says yes for webgpu where an adapter exists", async () => {
    const r = await plugml(["engines", "--json"]);
    const webgpu = JSON.parse(r.stdout).find((e: { engine: string }) => e.engine === "webgpu");
    expect(webgpu).toMatchObject({ engine: "webgpu", packageName: "@plugml/engine-webgpu", version: version("engine-webgpu"), installed: true, canRun: true, probedWith: "KMeans" });
  });

  it("finds third-party engines in the working directory's node_modules, registers them, and asks their gates", async () => {
    const r = await plugml(["engines", "--json"], { cwd: project, env: NO_ADAPTER });
    expect(r.code).toBe(0);
    const reports = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(reports.map((e) => e.engine)).toEqual(["cpu", "webgpu", "dask", "clibroken", "clifake", "clisc"]);
    expect(reports[0]).toMatchObject({ packageName: "@plugml/engine-cpu", installed: true, canRun: true, probedWith: "KMeans" });
    expect(reports[0].estimators).toEqual(expect.arrayContaining(["KMeans", "KNeighborsClassifier", "StandardScaler"]));
    expect(reports[1]).toMatchObject({ installed: true, canRun: false, reason: ADAPTER_REASON });
    expect(reports[2]).toMatchObject({ packageName: "@plugml/engine-dask", installed: true, canRun: false, reason: NO_SCHEDULER });
    reports.splice(2, 1);
    expect(reports[2]).toEqual({
      engine: "clibroken",
      packageName: "plugml-engine-clibroken",
      version: "0.0.1",
      installed: true,
      canRun: false,
      reason: "cannot be loaded: clibroken fails on import",
      estimators: [],
    });
    reports.splice(2, 1);
    expect(reports[2]).toMatchObject({
      packageName: "plugml-engine-clifake",
      version: "9.9.9",
      installed: true,
      canRun: false,
      reason: "clifake declines every call (a test engine)",
      estimators: ["KMeans"],
      probedWith: "KMeans",
    });
    // No KMeans: asked about the estimator it implements; the package's version, not the engine object's.
    expect(reports[3]).toMatchObject({ packageName: "plugml-engine-clisc", version: "1.2.3", installed: true, canRun: true, estimators: ["StandardScaler"], probedWith: "StandardScaler" });
    expect(reports[3].reason).toMatch(/^found in .*node_modules\/plugml-engine-clisc, outside @plugml\/core's reach: registered by plugml$/);

    const text = await plugml(["engines"], { cwd: project, env: NO_ADAPTER });
    expect(text.stdout).toMatch(/\nclifake +plugml-engine-clifake +9\.9\.9 +no: clifake declines every call \(a test engine\)\n/);
  });
});

describe("plugml explain", () => {
  const csv = join(project, "small.csv");

  it("names the engine a fit would use and every candidate's verdict and reason", async () => {
    const r = await plugml(["explain", csv, "--estimator", "kmeans", "--clusters", "2", "--engine", "webgpu,cpu"], { env: NO_ADAPTER });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `KMeans.fit on ${csv} (4 x 2, float64) would run on: cpu\n` + `  webgpu  declined  ${ADAPTER_REASON}\n` + `  cpu     accepted\n`,
    );
  });

  (hasAdapter ? it : it.skip)("with an adapter, webgpu passes a small input on (its shouldRun) and --json says so", async () => {
    const r = await plugml(["explain", csv, "--estimator", "kmeans", "--clusters", "2", "--engine", "webgpu,cpu", "--json"]);
    expect(JSON.parse(r.stdout)).toEqual({
      estimator: "KMeans",
      method: "fit",
      hook: "prepareFit",
      engine: "cpu",
      candidates: [
        {
          engine: "webgpu",
          verdict: "skipped",
          reason: "input too small for the device: 4 x 2 = 8 elements on the host < minElements 65536 (createWebGPUEngine({ minElements }) changes the threshold)",
        },
        { engine: "cpu", verdict: "accepted" },
      ],
      rows: 4,
      features: 2,
      dtype: "float64",
    });
  });

  it("uses engines registered from the working directory, and says when no engine would run", async () => {
    const r = await plugml(["explain", "small.csv", "--estimator", "kmeans", "--clusters", "2", "--engine", "clifake,nosuch", "--no-fallback"], { cwd: project });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      "KMeans.fit on small.csv (4 x 2, float64) would run on no engine: every candidate refused, so the call would fail\n" +
        "  clifake  declined       clifake declines every call (a test engine)\n" +
        "  nosuch   not installed  Engine \"nosuch\" is not registered and none of the packages @plugml/engine-nosuch, plugml-engine-nosuch could be loaded. It was needed because \"clifake\" declined (clifake declines every call (a test engine)). Install it with `npm install @plugml/engine-nosuch`, or call registerEngine() with the engine object.\n",
    );
  });

  it("takes the options fit takes, and refuses the same ones", async () => {
    const r = await cli(["explain", csv, "--estimator", "knn-classifier", "--target", "b", "--clusters", "2"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("plugml: --clusters does not apply to --estimator knn-classifier (its options: --neighbors, --metric, --p, --weights); --clusters is for kmeans\n");
    const ok = await cli(["explain", csv, "--estimator", "knn-classifier", "--target", "b", "--neighbors", "2", "--engine", "cpu"]);
    expect(ok).toEqual({ code: 0, stdout: `KNeighborsClassifier.fit on ${csv} (4 x 1, float64) would run on: cpu\n  cpu     accepted\n`, stderr: "" });
  });
});
