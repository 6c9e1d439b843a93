/** Options of the Dask engine and of DaskMatrix's readers, with their defaults (the scheduler from the environment). */
import { bridgeFor, type Bridge } from "./bridge.js";

/** Where the engine finds its cluster. */
export interface DaskOptions {
  /** The scheduler's address, e.g. `"tcp://10.0.0.5:8786"` (default: the `PLUGML_DASK_SCHEDULER` environment variable). */
  scheduler?: string;
  /** The Python interpreter with dask.distributed and numpy (default: `PLUGML_DASK_PYTHON`, else `"python3"`). */
  python?: string;
  /** Seconds to wait for the scheduler before declining (default 5). */
  connectTimeout?: number;
  /** Milliseconds without requests after which the bridge process exits while it holds nothing (default 2000). */
  idleMs?: number;
  /** Row partitions host data is split into when it is sent to the cluster (default: 2 per worker thread). */
  partitions?: number;
}

/** The engine's name: what users pass to `setComputationalEngine`. */
export const ENGINE_NAME = "dask";

/** The scheduler address the options name, or undefined when neither they nor the environment give one. */
export function schedulerOf(options: DaskOptions): string | undefined {
  return options.scheduler?.trim() || envValue("PLUGML_DASK_SCHEDULER");
}

function envValue(name: string): string | undefined {
  const value = typeof process === "object" ? process.env[name]?.trim() : undefined;
  return value ? value : undefined;
}

/** The bridge for these options (shared per scheduler); undefined without a scheduler address. */
export function bridgeOf(options: DaskOptions): Bridge | undefined {
  const scheduler = schedulerOf(options);
  if (scheduler === undefined) return undefined;
  return bridgeFor({ scheduler, python: options.python ?? envValue("PLUGML_DASK_PYTHON") ?? "python3", connectTimeout: options.connectTimeout ?? 5, idleMs: options.idleMs ?? 2000 });
}

/** Why there is no cluster to run on, for `accepts`. */
export const NO_SCHEDULER = "no Dask scheduler: set PLUGML_DASK_SCHEDULER or pass createDaskEngine({ scheduler })";
