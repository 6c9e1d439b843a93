// The browser demo (examples/browser-demo) end to end: built with Vite and served by Vite's preview server (both
// programmatic, in a child process: test/browser-demo/serve.mjs), then driven through its own controls in Debian's
// Chromium, headless, with WebGPU on SwiftShader (the launch recipe of test/browser.test.ts). The two panels run the
// same estimator on "webgpu" and on "cpu" (engine-cpu's WebAssembly kernels on Web Workers) and must agree.
import { execFile, spawn, type ChildProcessByStdio } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium, type Browser, type Page } from "playwright-core";
import { adjustedRandScore } from "@plugml/core";

const CHROMIUM = "/usr/bin/chromium";
const root = fileURLToPath(new URL("..", import.meta.url));
const demoDir = join(root, "examples", "browser-demo");
const screenshot = join(root, "test-output", "browser-demo.png");

// What the page publishes on window.__demo (examples/browser-demo/src/main.ts, DemoState), as far as the test reads it.
interface PanelState {
  engines: string;
  running: boolean;
  runs: number;
  error?: string;
  result?: {
    estimator: string;
    engineUsed?: string;
    labels: (number | string)[];
    rows: number[];
    trainRows: number[];
    ms: number;
    msByEngine: Record<string, number>;
    threads: number[];
    summary: string;
  };
  trace?: string[];
}
interface DemoState {
  ready: boolean;
  crossOriginIsolated: boolean;
  webgpu?: true | string;
  engines: string[];
  dataset?: { name: string; rows: number; features: string[]; classes: number };
  panels: Record<"a" | "b", PanelState>;
  agreement?: { identical: number; of: number; adjustedRand?: number };
  errors: string[];
}
type DemoWindow = { __demo: DemoState };

// Skipped without Chromium (test/global-setup.mjs says so once), except on CI, where .ci/run installs it.
const describeBrowser = existsSync(CHROMIUM) || process.env.CI ? describe : describe.skip;

const irisSpecies = readFileSync(join(root, "data", "iris.csv"), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => line.split(",").pop());

describeBrowser("the browser demo, built by Vite, in headless Chromium", () => {
  let server: ChildProcessByStdio<Writable, Readable, null>;
  let outDir: string;
  let url: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(join(root, "test-output"), { recursive: true });
    outDir = mkdtempSync(join(tmpdir(), "plugml-demo-"));
    server = spawn(process.execPath, [join(root, "test", "browser-demo", "serve.mjs"), outDir], { stdio: ["pipe", "pipe", "inherit"] });
    const line = await new Promise<string>((resolve, reject) => {
      let buffered = "";
      server.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        if (buffered.includes("\n")) resolve(buffered.split("\n")[0]);
      });
      server.on("exit", (code) => reject(new Error(`serve.mjs exited with ${code} before serving`)));
    });
    const started = JSON.parse(line) as { url?: string; error?: string };
    if (!started.url) throw new Error(`serve.mjs: ${started.error}`);
    url = started.url;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--enable-unsafe-webgpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => void (m.type() === "error" && pageErrors.push(`console: ${m.text()}`)));
    page.on("response", (r) => void (r.status() >= 400 && pageErrors.push(`HTTP ${r.status()}: ${r.url()}`)));
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as DemoWindow).__demo?.ready === true, undefined, { timeout: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.stdin.end();
      await exited;
    }
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  const demo = () => page.evaluate(() => (window as unknown as DemoWindow).__demo);

  /** Clicks a run button and waits until every panel it runs has finished one more run. */
  async function clickRun(button: string, panels: readonly ("a" | "b")[]): Promise<DemoState> {
    const before = await demo();
    await page.click(button);
    await page.waitForFunction(
      ([panels, runs]) => panels.every((p, i) => (window as unknown as DemoWindow).__demo.panels[p].runs > runs[i]),
      [panels, panels.map((p) => before.panels[p].runs)] as const,
      { timeout: 45_000 },
    );
    return demo();
  }

  it("bundles core and both engines, and leaves out the Node-only WebGPU binding", () => {
    const assets = join(outDir, "assets");
    const js = readdirSync(assets)
      .filter((f) => f.endsWith(".js"))
      .map((f) => readFileSync(join(assets, f), "utf8"))
      .join("\n");
    // Present: engine-webgpu's WGSL and engine-cpu's worker pool. Absent: the `webgpu` package's loader of dawn.node.
    expect(js).toContain("@compute");
    expect(js).toContain("requestAdapter");
    expect(js).toContain("SharedArrayBuffer");
    expect(js).not.toContain("dawn.node");
    expect(js).not.toContain("dawnNodePath");
  });

  it("is cross-origin isolated and has a WebGPU adapter", async () => {
    const state = await demo();
    expect(state.crossOriginIsolated).toBe(true);
    expect(state.webgpu).toBe(true);
    expect(state.engines).toEqual(["webgpu", "cpu", "cpu-js"]);
    expect(await page.textContent("#coi")).toMatch(/^true/);
    expect(state.dataset).toMatchObject({ name: "iris", rows: 150, classes: 3 });
  });

  it("runs KMeans on iris on webgpu in one panel and on cpu's workers in the other, with identical labels", async () => {
    await page.selectOption("#estimator", "KMeans");
    await page.fill("#n-clusters", "3");
    await page.selectOption("#engines-a", "webgpu");
    await page.selectOption("#engines-b", "cpu");
    const state = await clickRun("#run-both", ["a", "b"]);
    const { a, b } = state.panels;
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    expect(a.result?.engineUsed).toBe("webgpu");
    expect(b.result?.engineUsed).toBe("cpu");
    expect(await page.textContent("#summary-a .engine-used")).toBe("webgpu");
    expect(await page.textContent("#summary-b .engine-used")).toBe("cpu");
    // Every hook call ran on the engine asked for (thresholds are off in the page by default).
    for (const [panel, engine] of [[a, "webgpu"], [b, "cpu"]] as const) {
      expect(panel.trace?.length).toBeGreaterThan(0);
      for (const entry of panel.trace ?? []) expect(entry).toContain(` ${engine} ran `);
      expect(panel.result?.ms).toBeGreaterThan(0);
      expect(panel.result?.msByEngine[engine]).toBeGreaterThan(0);
    }
    // Same data (float32), same seed, same k-means++ draws: the same labels, not only the same partition.
    const labelsA = a.result?.labels as number[];
    expect(labelsA).toHaveLength(150);
    expect(new Set(labelsA).size).toBe(3);
    expect(b.result?.labels).toEqual(labelsA);
    expect(state.agreement).toEqual({ identical: 150, of: 150, adjustedRand: 1 });
    expect(await page.textContent("#agreement")).toContain("150 of 150 labels identical");
    // A real clustering of iris: scikit-learn's KMeans(3) reaches an adjusted Rand index of about 0.73 with the species.
    expect(adjustedRandScore(irisSpecies as string[], labelsA)).toBeGreaterThan(0.7);
    // engine-cpu ran its WebAssembly kernels on its worker pool: one worker per core where the page is isolated.
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(b.result?.threads.length).toBeGreaterThan(0);
    expect(b.trace?.join("\n")).toMatch(/WebAssembly SIMD on /);
    if (cores > 1) {
      expect(Math.max(...(b.result?.threads ?? []))).toBeGreaterThan(1);
      expect(b.trace?.join("\n")).toMatch(/WebAssembly SIMD on \d+ worker threads/);
    }
  });

  it("runs KNeighborsClassifier on a held-out split of iris on both engines, with identical predictions", async () => {
    await page.selectOption("#estimator", "KNeighborsClassifier");
    await page.fill("#n-neighbors", "5");
    const { a, b } = (await clickRun("#run-both", ["a", "b"])).panels;
    await page.screenshot({ path: join(root, "test-output", "browser-demo-knn.png"), fullPage: true });
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    expect(a.result?.engineUsed).toBe("webgpu");
    expect(b.result?.engineUsed).toBe("cpu");
    expect(a.result?.labels).toHaveLength(45); // test fraction 0.3 of 150
    expect(b.result?.labels).toEqual(a.result?.labels);
    expect(b.result?.rows).toEqual(a.result?.rows);
    const rows = a.result?.rows ?? [];
    const correct = (a.result?.labels ?? []).filter((label, k) => label === irisSpecies[rows[k]]).length;
    expect(correct / rows.length).toBeGreaterThan(0.9);
    expect(a.result?.summary).toContain(`(${correct} right)`);
  });

  it("loads a selected CSV file and clusters it on cpu-js", async () => {
    const lines = ["a;b;c;kind"];
    for (let i = 0; i < 40; i++) lines.push(`${(i % 2) * 10 + (i % 7) * 0.1};${(i % 2) * 10 - (i % 5) * 0.1};${i % 3};${i % 2 ? "far" : "near"}`);
    await page.setInputFiles("#file", { name: "two-groups.csv", mimeType: "text/csv", buffer: Buffer.from(lines.join("\n")) });
    await page.waitForFunction(() => (window as unknown as DemoWindow).__demo.dataset?.name === "two-groups.csv");
    expect((await demo()).dataset).toMatchObject({ rows: 40, features: ["a", "b", "c"], classes: 2 });
    await page.selectOption("#estimator", "KMeans");
    await page.fill("#n-clusters", "2");
    await page.selectOption("#engines-b", "cpu-js");
    const { b } = (await clickRun("#run-b", ["b"])).panels;
    expect(b.error).toBeUndefined();
    expect(b.result?.engineUsed).toBe("cpu-js");
    // The two groups are 10 apart in a and b: KMeans(2) separates the odd rows from the even ones.
    const labels = b.result?.labels as number[];
    expect(labels.every((l, i) => l === labels[i % 2])).toBe(true);
    expect(labels[0]).not.toBe(labels[1]);
  });

  it("with the engines' small-input thresholds on, leaves iris to the cpu engine when asked for webgpu,cpu, and says why", async () => {
    await page.selectOption("#dataset", "iris");
    await page.fill("#n-clusters", "3");
    await page.check("#thresholds");
    await page.waitForFunction(() => document.querySelector("#engines")?.textContent?.includes("(default thresholds)"));
    await page.selectOption("#engines-a", "webgpu,cpu");
    const { a } = (await clickRun("#run-a", ["a"])).panels;
    expect(a.error).toBeUndefined();
    expect(a.result?.engineUsed).toBe("cpu");
    const trace = a.trace?.join("\n") ?? "";
    expect(trace).toMatch(/ webgpu (declined|skipped) /);
    expect(trace).toMatch(/ cpu ran /);
    expect(await page.locator("#trace-a tr.declined, #trace-a tr.skipped").count()).toBeGreaterThan(0);
    await page.uncheck("#thresholds");
    await page.waitForFunction(() => document.querySelector("#engines")?.textContent?.includes("(thresholds off)"));
  });

  it("clusters the synthetic blobs on both engines identically, and saves a screenshot", async () => {
    await page.selectOption("#engines-a", "webgpu");
    await page.selectOption("#dataset", "blobs");
    expect((await demo()).dataset).toMatchObject({ name: "blobs", rows: 3000, classes: 5 });
    expect(await page.inputValue("#n-clusters")).toBe("5");
    await page.selectOption("#engines-b", "cpu");
    const state = await clickRun("#run-both", ["a", "b"]);
    const { a, b } = state.panels;
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    expect([a.result?.engineUsed, b.result?.engineUsed]).toEqual(["webgpu", "cpu"]);
    expect(a.result?.labels).toHaveLength(3000);
    expect(b.result?.labels).toEqual(a.result?.labels);
    expect(state.agreement).toMatchObject({ identical: 3000, of: 3000 });
    await page.screenshot({ path: screenshot, fullPage: true });
    process.stdout.write(`browser demo screenshot: ${screenshot}\n`);
    expect(existsSync(screenshot)).toBe(true);
    expect(pageErrors).toEqual([]);
    expect(state.errors).toEqual([]);
  });

  it("type-checks (examples/browser-demo/tsconfig.json: DOM, Vite client and WebGPU types)", async () => {
    await expect(promisify(execFile)(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", demoDir])).resolves.toBeDefined();
  }, 60_000);
});
