// Every ```ts block of README.md, packages/*/README.md and docs/**/*.md runs as a user would run it: transpiled, then executed by
// `node` against the built packages (npm test builds first). A ```text block right after a sample is its
// expected standard output. Blocks tagged ```ts webgpu need a WebGPU adapter: they run where one exists and
// always in CI (where .ci/setup-webgpu.sh provides one). Blocks tagged ```ts dask run against a local Dask cluster
// the test starts (PLUGML_DASK_SCHEDULER set for them), where dask.distributed is installed and always in CI. A
// block tagged ```ts file=<path> is a test file shown in the docs: it must equal that file, which jest runs like
// any other test.
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { transformSync } from "@swc/core";
import { hasDask, startCluster, type LocalCluster } from "../packages/engine-dask/test/local-cluster.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const workDir = join(root, "node_modules", ".cache", "plugml-doc-samples");

interface Sample {
  file: string;
  line: number;
  code: string;
  expected?: string;
  needsWebGPU: boolean;
  needsDask: boolean;
  /** Repository path of the test file this block shows, for ```ts file=<path>. */
  shows?: string;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith(".md") ? [path] : [];
  });
}

function samplesOf(path: string): Sample[] {
  const fence = /^```(\S*)(?:[ \t]+(\S+))?[ \t]*\n([\s\S]*?)^```[ \t]*$(?:\s*^```text[ \t]*\n([\s\S]*?)^```[ \t]*$)?/gm;
  const text = readFileSync(path, "utf8");
  const samples: Sample[] = [];
  for (const match of text.matchAll(fence)) {
    if (match[1] !== "ts") continue;
    samples.push({
      file: relative(root, path),
      line: text.slice(0, match.index).split("\n").length,
      code: match[3],
      expected: match[4],
      needsWebGPU: match[2] === "webgpu",
      needsDask: match[2] === "dask",
      shows: match[2]?.startsWith("file=") ? match[2].slice("file=".length) : undefined,
    });
  }
  return samples;
}

/** Whether this machine has a WebGPU adapter (CI always must: there a missing one fails the samples). */
function hasAdapter(): boolean {
  if (process.env.CI) return true;
  return spawnSync(process.execPath, [join(root, "scripts", "webgpu-probe.mjs")], { stdio: "ignore" }).status === 0;
}

// The packages' READMEs are what npm shows: their samples run too.
const packageReadmes = readdirSync(join(root, "packages")).map((p) => join(root, "packages", p, "README.md"));
const samples = [join(root, "README.md"), ...packageReadmes, ...markdownFiles(join(root, "docs"))].flatMap(samplesOf);

describe("documentation samples", () => {
  // Decided while the tests are declared, so that samples needing WebGPU are reported as skipped, not as passed.
  const webgpu = hasAdapter();
  const dask = hasDask || Boolean(process.env.CI);
  let cluster: LocalCluster | undefined;
  beforeAll(async () => {
    mkdirSync(workDir, { recursive: true });
    if (dask && samples.some((s) => s.needsDask)) cluster = await startCluster(2);
  }, 90_000);
  afterAll(() => cluster?.stop(), 30_000);

  it("finds samples in the README and the docs", () => {
    expect(samples.filter((s) => s.file === "README.md").length).toBeGreaterThan(0);
    expect(new Set(samples.map((s) => s.file)).size).toBeGreaterThan(2);
  });

  for (const sample of samples.filter((s) => s.shows)) {
    it(`${sample.file}:${sample.line} is ${sample.shows} verbatim`, () => {
      expect(readFileSync(join(root, sample.shows!), "utf8")).toBe(sample.code);
    });
  }

  for (const [i, sample] of samples.filter((s) => !s.shows).entries()) {
    const test = (sample.needsWebGPU && !webgpu) || (sample.needsDask && !dask) ? it.skip : it;
    test(`${sample.file}:${sample.line} runs${sample.expected === undefined ? "" : " and prints what the doc shows"}`, async () => {
      const js = transformSync(sample.code, {
        jsc: { parser: { syntax: "typescript" }, target: "es2022" },
        module: { type: "es6" },
      }).code;
      const path = join(workDir, `sample-${i}.mjs`);
      writeFileSync(path, js);
      const env = sample.needsDask ? { ...process.env, PLUGML_DASK_SCHEDULER: cluster!.scheduler } : process.env;
      const { stdout } = await run(process.execPath, [path], { cwd: root, timeout: 120_000, env });
      if (sample.expected !== undefined) expect(stdout.trim()).toBe(sample.expected.trim());
    });
  }
});
