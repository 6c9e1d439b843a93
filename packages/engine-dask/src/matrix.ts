/**
 * DaskMatrix: the Dask engine's resident matrix, row partitions persisted on the workers. Host data is sent once;
 * `readNpy` and `readCsv` have the workers read files themselves, so the data never passes through this process.
 */
import { Matrix, type DType, type ResidentMatrix } from "@plugml/core";
import { BridgeError, float32s, float64s, type Bridge } from "./bridge.js";
import { bridgeOf, ENGINE_NAME, NO_SCHEDULER, type DaskOptions } from "./options.js";

/** What the bridge says about a stored matrix. */
export interface StoredInfo {
  key: string;
  rows: number;
  cols: number;
  dtype: DType;
  partitions: number;
  workers: number;
}

/** Options of {@link DaskMatrix.readCsv}. */
export interface ReadCsvOptions extends DaskOptions {
  /** Field separator (default `","`). */
  delimiter?: string;
  /** Whether each file starts with a header line to skip (default true). */
  header?: boolean;
  /** Zero-based columns to read (default: all). */
  columns?: number[];
  /** Precision of the matrix (default float64). */
  dtype?: DType;
}

const freed = new FinalizationRegistry<{ bridge: Bridge; key: string }>(({ bridge, key }) => {
  bridge.request("free", { key }).catch(() => undefined).finally(() => bridge.release());
});

/** A matrix on a Dask cluster: `rows` x `cols` in row partitions on the workers. */
export class DaskMatrix implements ResidentMatrix {
  readonly kind = "resident" as const;
  readonly engine = ENGINE_NAME;
  readonly rows: number;
  readonly cols: number;
  readonly dtype: DType;
  /** Row partitions (one per file for the readers). */
  readonly partitions: number;
  /** Workers holding partitions when it was stored. */
  readonly workers: number;
  /** The bridge's key for it. */
  readonly key: string;
  private disposed = false;

  /** @internal Made by the engine and the readers. */
  constructor(
    /** @internal The bridge that holds it. */
    readonly bridge: Bridge,
    info: StoredInfo,
  ) {
    this.key = info.key;
    this.rows = info.rows;
    this.cols = info.cols;
    this.dtype = info.dtype;
    this.partitions = info.partitions;
    this.workers = info.workers;
    bridge.hold();
    freed.register(this, { bridge, key: info.key }, this);
  }

  /**
   * Every `.npy` file matching `pattern` (a glob the workers resolve, e.g. `"/data/part-*.npy"`), in name order,
   * as one matrix: each file is one partition, read by a worker. The files must be 2-D float32 or float64 arrays
   * with the same columns, at a path every worker sees. A worker lost later reads its files again.
   */
  static async readNpy(pattern: string, options: DaskOptions = {}): Promise<DaskMatrix> {
    const bridge = requireBridge(options);
    return new DaskMatrix(bridge, (await bridge.request("read_npy", { pattern })) as unknown as StoredInfo);
  }

  /** Every CSV file matching `pattern`, read by the workers (one partition per file), numbers only. */
  static async readCsv(pattern: string, options: ReadCsvOptions = {}): Promise<DaskMatrix> {
    const bridge = requireBridge(options);
    const args = { pattern, delimiter: options.delimiter ?? ",", header: options.header ?? true, usecols: options.columns ?? null, dtype: options.dtype ?? "float64" };
    return new DaskMatrix(bridge, (await bridge.request("read_csv", args)) as unknown as StoredInfo);
  }

  /** Copies the values to a host Matrix (every partition crosses the network). */
  async read(): Promise<Matrix> {
    this.check();
    const { data } = await this.bridge.request("to_host", { key: this.key });
    const values = this.dtype === "float32" ? Float32Array.from(float32s(data)) : Float64Array.from(float64s(data));
    return new Matrix(values, this.rows, this.cols);
  }

  /** Frees the partitions on the workers now (otherwise when this object is garbage-collected). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    freed.unregister(this);
    this.bridge.request("free", { key: this.key }).catch(() => undefined).finally(() => this.bridge.release());
  }

  /**
   * The largest |x| (computed once per matrix on the workers: its partitions never change), the bytes of the
   * request recorded in the trace entry of the call that computes it.
   */
  maxAbs(record: Parameters<Bridge["request"]>[2]): Promise<number> {
    this.largest ??= this.bridge.request("max_abs", { key: this.key }, record).then(
      (r) => r.maxAbs as number,
      (e: unknown) => {
        this.largest = undefined; // a failed request is asked again next time
        throw e;
      },
    );
    return this.largest;
  }
  private largest?: Promise<number>;

  /** Throws once the matrix was disposed. */
  check(): void {
    if (this.disposed) throw new BridgeError("this DaskMatrix was disposed");
  }

  /** Bytes its values take. */
  get byteLength(): number {
    return this.rows * this.cols * (this.dtype === "float32" ? 4 : 8);
  }
}

function requireBridge(options: DaskOptions): Bridge {
  const bridge = bridgeOf(options);
  if (!bridge) throw new BridgeError(NO_SCHEDULER);
  return bridge;
}

/** Whether `X` is a DaskMatrix (by shape of the object, so a copy of this package counts too). */
export function isDaskMatrix(X: unknown): X is DaskMatrix {
  return typeof X === "object" && X !== null && (X as { kind?: unknown }).kind === "resident" && (X as { engine?: unknown }).engine === ENGINE_NAME && typeof (X as { key?: unknown }).key === "string";
}
