// Timing and memory measurements shared by the bench scripts.
import { readFileSync } from "node:fs";

/** The fastest of `repeats` runs of `fn` (seconds), and the last run's result. */
export async function bestOf(repeats, fn) {
  let best = Infinity;
  let out;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    out = await fn();
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return { seconds: best, out };
}

/**
 * This process's peak resident memory in bytes. On Linux, VmHWM of /proc/self/status: getrusage's maxRSS survives
 * exec, so a child started by a large bench process would report the parent's size at the fork instead of its own.
 */
export function peakRss() {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // Not Linux: fall back to getrusage.
  }
  return process.resourceUsage().maxRSS * 1024;
}
