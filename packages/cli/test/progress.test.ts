// The fit's progress: a live bar on a terminal (run under a pseudo-terminal), one plain line per iteration when
// stderr is a pipe, nothing with --progress none.
import { join } from "node:path";
import { BIN, plugml, tempDir, underTerminal, writeBlobs } from "./run.js";

const dir = tempDir();
const csv = join(dir, "blobs.csv");
// Overlapping clusters and random starts: a fit of several iterations.
const ARGS = ["fit", csv, "--estimator", "kmeans", "--clusters", "6", "--init", "random", "--n-init", "2", "--random-state", "1", "--out", join(dir, "m.json")];

beforeAll(() => {
  writeBlobs(csv, 20_000, 3, 6, 5, 4);
});

/** The summary line's iteration count and inertia. */
function summary(stderr: string): { iterations: number; inertia: string } {
  const m = /fitted KMeans with engine cpu in [0-9.]+s: ([0-9]+) iterations over 2 initialisations, inertia ([0-9.e+-]+)/.exec(stderr);
  expect(m).not.toBeNull();
  return { iterations: Number(m![1]), inertia: m![2] };
}

it("plain lines when stderr is not a terminal: one per iteration, with what the engine reported and the elapsed time", async () => {
  const r = await plugml(ARGS);
  expect(r.code).toBe(0);
  const lines = r.stderr.trim().split("\n");
  const iterations = lines.filter((l) => l.startsWith("KMeans iteration "));
  const { iterations: total } = summary(r.stderr);
  expect(total).toBeGreaterThan(3);
  expect(iterations).toHaveLength(total);
  // What the engine reports per iteration (engine-cpu: the center shift, not the inertia).
  for (const line of iterations) expect(line).toMatch(/^KMeans iteration [0-9]+\/300( \(init 2\))?: (inertia [0-9.e+-]+, )?center shift [0-9.e+-]+(, converged)?, elapsed [0-9.]+s$/);
  // --n-init 2: the second initialisation starts over at iteration 1 and says so.
  expect(iterations[0]).toMatch(/^KMeans iteration 1\/300: /);
  expect(iterations.some((l) => /^KMeans iteration 1\/300 \(init 2\): /.test(l))).toBe(true);
  expect(iterations.at(-1)).toContain(", converged, ");
  expect(r.stderr).not.toMatch(/\u001b\[/);
  expect(lines[0]).toMatch(/^read .*blobs\.csv: 20000 rows x 3 features \(float64\) in [0-9.]+s$/);
  expect(lines.at(-1)).toBe(`wrote ${join(dir, "m.json")} (trained on blobs.csv)`);
});

it("a live bar on a terminal: redrawn in place, with the iteration, the inertia and the elapsed time", () => {
  const cmd = [process.execPath, BIN, ...ARGS].map((a) => `'${a}'`).join(" ");
  const r = underTerminal(cmd, dir);
  expect(r.code).toBe(0);
  const out = r.stdout; // script merges the terminal's output
  // cli-progress moves the cursor to column 1 (CSI 1 G) before each redraw and clears the rest of the line.
  const frames = out.split("\u001b[1G").slice(1);
  expect(frames.length).toBeGreaterThanOrEqual(2);
  for (const f of frames) expect(f).toMatch(/^KMeans \S+ iteration [0-9]+\/300( \(init 2\))? \| center shift \S+ \| inertia \S+ \| [0-9.]+s/);
  // No plain iteration lines on a terminal.
  expect(out).not.toContain("KMeans iteration ");
  const { iterations, inertia } = summary(out);
  // The last frame shows the last iteration of the last initialisation and an inertia: the model's final one when
  // the engine reports none per iteration (engine-cpu).
  const last = /iteration ([0-9]+)\/300 \(init 2\) \| center shift \S+ \| inertia (\S+) \|/.exec(frames.at(-1)!);
  expect(last).not.toBeNull();
  expect(Number(last![1])).toBeLessThan(iterations);
  expect(last![2]).toMatch(/^[0-9.e+-]+$/);
  if (frames.slice(0, -1).every((f) => f.includes("inertia n/a"))) expect(last![2]).toBe(inertia);
  expect(out).toMatch(/\u001b\[\?25l/); // the cursor is hidden while drawing, and shown again
  expect(out).toMatch(/\u001b\[\?25h/);
});

it("--progress none prints nothing; --progress bar draws even into a pipe", async () => {
  const none = await plugml([...ARGS, "--progress", "none"]);
  expect(none).toEqual({ code: 0, stdout: "", stderr: "" });
  const bar = await plugml([...ARGS, "--progress", "bar"]);
  expect(bar.code).toBe(0);
  expect(bar.stderr).toMatch(/KMeans \S+ iteration [0-9]+\/300/);
  expect(bar.stderr).not.toContain("KMeans iteration ");
});

it("Ctrl-C (SIGINT) aborts the fit through its signal: exit code 130, no model written", async () => {
  const { spawn } = await import("node:child_process");
  const { existsSync } = await import("node:fs");
  const out = join(dir, "interrupted.json");
  // A thousand random initialisations: long enough to be interrupted after its first iterations.
  const args = ["fit", csv, "--estimator", "kmeans", "--clusters", "50", "--init", "random", "--n-init", "1000", "--tol", "0", "--out", out];
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  let sent = false;
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (s: string) => {
    stderr += s;
    // Once: a second Ctrl-C is Node's default, ending the process at once.
    if (!sent && /KMeans iteration 3\/300/.test(stderr)) sent = child.kill("SIGINT");
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  expect(code).toBe(130);
  expect(stderr).toMatch(/KMeans iteration 3\/300.*\n(.*\n)*plugml: interrupted\n$/);
  expect(existsSync(out)).toBe(false);
});
