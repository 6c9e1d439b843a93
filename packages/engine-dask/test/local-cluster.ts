// A real local Dask cluster for the tests: Debian's dask-scheduler and two dask-worker processes on 127.0.0.1
// (python3-distributed). Each test file starts its own and stops it; where dask.distributed is missing the tests
// are skipped (test/global-setup.mjs says so once), except on CI, where .ci/run installs it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The first interpreter here that imports dask.distributed (PATH's python3 may be another Python than Debian's). */
const python = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "import distributed, numpy, msgpack"], { stdio: "ignore" }).status === 0);
if (python && !process.env.PLUGML_DASK_PYTHON) process.env.PLUGML_DASK_PYTHON = python;

/** Whether dask.distributed is importable here. */
export const hasDask = python !== undefined;

/** describe, or describe.skip where dask.distributed is missing (never on CI). */
export const describeDask = hasDask || process.env.CI ? describe : describe.skip;

/** A running local cluster. */
export interface LocalCluster {
  scheduler: string;
  /** The worker processes (nanny-less, so killing one loses it for good). */
  workers: ChildProcess[];
  stop(): Promise<void>;
}

async function waitFor(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a scheduler and `workers` single-threaded workers; resolves once every worker has joined. */
export async function startCluster(workers = 2): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), "plugml-dask-"));
  const file = join(dir, "scheduler.json");
  const quiet = { stdio: ["ignore", "ignore", "pipe"] as ["ignore", "ignore", "pipe"], env: { ...process.env, DASK_DISTRIBUTED__LOGGING__DISTRIBUTED: "error" } };
  const scheduler = spawn("dask-scheduler", ["--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", file], quiet);
  await waitFor(() => existsSync(file) && readFileSync(file, "utf8").includes("address"), "the Dask scheduler");
  const address = JSON.parse(readFileSync(file, "utf8")).address as string;
  const procs = Array.from({ length: workers }, () =>
    spawn("dask-worker", [address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--memory-limit", "0", "--local-directory", dir], quiet),
  );
  const joined = () =>
    spawnSync(python ?? "python3", ["-c", `from distributed import Client; c = Client("${address}", timeout=5); print(len(c.scheduler_info()["workers"])); c.close()`], { encoding: "utf8" }).stdout.trim();
  await waitFor(() => Number(joined()) >= workers, `${workers} Dask workers`, 60_000);
  const all = [scheduler, ...procs];
  return {
    scheduler: address,
    workers: procs,
    async stop() {
      for (const p of all) if (p.exitCode === null) p.kill("SIGTERM");
      await Promise.all(all.map((p) => (p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once("exit", r)) : undefined)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
