// Helpers of the CLI tests: running the built `plugml` (npm test builds it first) and writing CSV fixtures.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../..", import.meta.url));
export const BIN = join(root, "packages", "cli", "dist", "bin.js");

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/bin.js ...args`; resolves with the exit code and both streams, whatever the exit code. */
export function plugml(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs a shell command line under a pseudo-terminal (util-linux `script`), so that stdout and stderr are terminals. */
export function underTerminal(commandLine: string, cwd: string): Result {
  const r = spawnSync("script", ["-qec", commandLine, "/dev/null"], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary folder. */
export const tempDir = () => mkdtempSync(join(tmpdir(), "plugml-cli-"));

/** A seeded generator of uniform numbers in [0, 1) (an LCG: enough for fixtures). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Writes `rows` x `cols` values around `clusters` centers, 4 decimals, with a header f1..fN, and returns the values
 * exactly as a CSV reader parses them (row-major float64).
 */
export function writeBlobs(path: string, rows: number, cols: number, clusters: number, seed: number, spread = 1): Float64Array {
  const rand = lcg(seed);
  const centers = Array.from({ length: clusters }, () => Array.from({ length: cols }, () => rand() * 10));
  const values = new Float64Array(rows * cols);
  const lines: string[] = [Array.from({ length: cols }, (_, j) => `f${j + 1}`).join(",")];
  for (let i = 0; i < rows; i++) {
    const c = centers[Math.floor(rand() * clusters)];
    const cells: string[] = [];
    for (let j = 0; j < cols; j++) {
      const text = (c[j] + (rand() + rand() + rand() - 1.5) * spread).toFixed(4);
      values[i * cols + j] = Number(text);
      cells.push(text);
    }
    lines.push(cells.join(","));
  }
  writeFileSync(path, lines.join("\n") + "\n");
  return values;
}

/** A stream that keeps what is written to it (for running the program in this process). */
class Capture {
  text = "";
  isTTY = false;
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }
}

/**
 * Runs the program in this process (`main` from the sources), as the executable would with `args`: much faster
 * than a process per case, for the many messages the tests check; `plugml` runs the real executable.
 */
export async function cli(args: readonly string[]): Promise<Result> {
  const { main } = await import("../src/cli.js");
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(["node", "plugml", ...args], { stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
