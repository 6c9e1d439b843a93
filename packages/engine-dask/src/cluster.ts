/**
 * What every hook of the Dask engine shares: the `accepts` gate (a reachable scheduler), putting a call's input on
 * the cluster (a DaskMatrix as it is, host data sent once in row partitions), and recording what crossed between
 * this process and the cluster, and on how many partitions and workers it ran.
 */
import { contentFingerprint, isResident, Matrix, type DataMatrix, type HookContext, type TraceRecorder } from "@plugml/core";
import { bytesOf, type Bridge, type ClusterInfo } from "./bridge.js";
import { DaskMatrix, isDaskMatrix, type StoredInfo } from "./matrix.js";
import { bridgeOf, NO_SCHEDULER, schedulerOf, type DaskOptions } from "./options.js";

/** How long a failed connection is remembered, so a missing cluster does not cost every call a timeout. */
const RETRY_AFTER_MS = 10_000;

/** The engine's view of its cluster: the bridge and the last connection failure. */
export class Cluster {
  private failure?: { at: number; reason: string };
  constructor(readonly options: DaskOptions) {}

  /** The bridge, or undefined without a scheduler address. */
  get bridge(): Bridge | undefined {
    return bridgeOf(this.options);
  }

  /** true when the scheduler answers, else why not (for `accepts`); never waits longer than the connect timeout. */
  async reachable(): Promise<true | string> {
    const bridge = this.bridge;
    if (!bridge) return NO_SCHEDULER;
    if (this.failure && performance.now() - this.failure.at < RETRY_AFTER_MS) return this.failure.reason;
    try {
      await bridge.connect();
      this.failure = undefined;
      return true;
    } catch (e) {
      const reason = `no Dask scheduler reachable at ${schedulerOf(this.options)}: ${e instanceof Error ? e.message : String(e)}`;
      this.failure = { at: performance.now(), reason };
      return reason;
    }
  }

  /** Where it computes, for explainEngine: the scheduler, and the cluster's size when it last connected. */
  describe(): string {
    const scheduler = schedulerOf(this.options);
    if (scheduler === undefined) return "no Dask scheduler configured";
    const info = this.bridge?.info;
    return `the Dask scheduler ${scheduler}${info ? ` (${info.workers} workers, ${info.threads} threads)` : ""}`;
  }

  /** The connected bridge and the cluster's size (after `accepts` passed). */
  async connected(): Promise<{ bridge: Bridge; info: ClusterInfo }> {
    const bridge = this.bridge;
    if (!bridge) throw new Error(NO_SCHEDULER);
    return { bridge, info: await bridge.connect() };
  }

  /**
   * `X` on the cluster: a DaskMatrix as it is, anything else read to the host (counted by core for another
   * engine's resident data) and sent once in row partitions, the bytes recorded; the connected bridge beside it,
   * and the cluster the call runs on recorded as its threads. `release` frees an upload.
   */
  async input(ctx: Pick<HookContext, "record" | "toHost">, X: DataMatrix): Promise<Input & { bridge: Bridge }> {
    const placed = await this.place(ctx, X);
    // Every call that runs on the cluster says where in its trace entry (see recordCluster).
    const { bridge, info } = await this.connected();
    recordCluster(ctx.record, info, placed.matrix);
    return { ...placed, bridge };
  }

  private async place(ctx: Pick<HookContext, "record" | "toHost">, X: DataMatrix): Promise<Input> {
    if (isDaskMatrix(X)) {
      X.check();
      return { matrix: X, uploaded: false, release: () => undefined, keep: () => undefined };
    }
    const kept = X instanceof Matrix ? this.take(X) : undefined;
    if (kept) {
      ctx.record.conversion("X already on the cluster (sent by the previous hook of this call)");
      return this.wrap(X as Matrix, kept);
    }
    const host = await ctx.toHost(X);
    const { bridge, info } = await this.connected();
    const partitions = Math.max(1, Math.min(host.rows, this.options.partitions ?? 2 * Math.max(1, info.threads)));
    const args = { data: bytesOf(host.data), dtype: host.dtype, rows: host.rows, cols: host.cols, partitions };
    const stored = (await bridge.request("from_host", args, ctx.record)) as unknown as StoredInfo;
    if (isResident(X)) ctx.record.conversion(`X resident on "${X.engine}" -> dask`);
    const matrix = new DaskMatrix(bridge, stored);
    return X instanceof Matrix ? this.wrap(X, matrix) : { matrix, uploaded: true, release: () => matrix.dispose(), keep: () => matrix.dispose() };
  }

  /**
   * An upload of host matrix `X` that `keep()` hands to the next hook given the same matrix (KMeans init, then fit;
   * StandardScaler fit, then transform), so that host data crosses once per user call. The next hook takes it only
   * if `X` is the same object with the same contents (a fingerprint); otherwise, or after KEEP_MS, it is freed.
   */
  private wrap(X: Matrix, matrix: DaskMatrix): Input {
    return {
      matrix,
      uploaded: true,
      release: () => matrix.dispose(),
      keep: () => {
        this.kept.get(X)?.matrix.dispose();
        const timer = setTimeout(() => this.take(X)?.dispose(), KEEP_MS);
        timer.unref();
        this.kept.set(X, { matrix, print: contentFingerprint(X.data), timer });
      },
    };
  }

  private take(X: Matrix): DaskMatrix | undefined {
    const kept = this.kept.get(X);
    if (!kept) return undefined;
    this.kept.delete(X);
    clearTimeout(kept.timer);
    if (contentFingerprint(X.data) === kept.print) return kept.matrix;
    kept.matrix.dispose();
    return undefined;
  }

  private readonly kept = new WeakMap<Matrix, { matrix: DaskMatrix; print: string; timer: ReturnType<typeof setTimeout> }>();
}

/** A call's X on the cluster. */
export interface Input {
  matrix: DaskMatrix;
  /** Whether this call sent it (host data), rather than it being the user's DaskMatrix. */
  uploaded: boolean;
  /** Frees an upload now. */
  release(): void;
  /** Hands an upload of host data to the next hook on the same matrix instead of freeing it (see Cluster.wrap). */
  keep(): void;
}

/** Milliseconds a kept upload waits for the next hook of the same call. */
const KEEP_MS = 1000;

/** Records the cluster a call ran on as its threads: partitions, workers, threads and the scheduler. */
function recordCluster(record: TraceRecorder, info: ClusterInfo, matrix: { partitions: number; workers: number }): void {
  record.threads(
    info.threads,
    `${matrix.partitions} partitions on ${matrix.workers} of ${info.workers} Dask workers (${info.threads} threads) of the scheduler ${info.scheduler}`,
  );
}
