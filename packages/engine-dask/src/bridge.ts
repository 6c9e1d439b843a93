/**
 * The bridge process: dask.distributed's own Client, in Python (python/bridge.py), spoken to over its stdin and
 * stdout with length-prefixed msgpack messages whose arrays are raw little-endian bytes. One bridge per scheduler
 * address, started at the first request, reused by every engine and matrix on that scheduler, and closed after
 * `idleMs` without requests while it holds nothing on the cluster. It never keeps Node alive on its own.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decode, encode } from "@msgpack/msgpack";
import type { TraceRecorder } from "@plugml/core";

/** Where the bridge script ships: python/bridge.py beside dist/. */
const SCRIPT = fileURLToPath(new URL("../python/bridge.py", import.meta.url));

/** A failure the bridge reported (the cluster's or numpy's error, in its words). */
export class BridgeError extends Error {
  override name = "BridgeError";
}

/** Options of a bridge. */
export interface BridgeOptions {
  scheduler: string;
  /** The Python interpreter (default `python3`). */
  python: string;
  /** Seconds the Client waits for the scheduler before the connection fails. */
  connectTimeout: number;
  /** Milliseconds without requests, while the bridge holds nothing, after which it exits. */
  idleMs: number;
}

/** What `connect` tells about the cluster. */
export interface ClusterInfo {
  scheduler: string;
  workers: number;
  threads: number;
}

interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(error: Error): void;
  record?: Pick<TraceRecorder, "bytesToDevice" | "bytesFromDevice">;
}

/** One bridge process and its requests. */
export class Bridge {
  private child?: ChildProcessWithoutNullStreams;
  private connected?: Promise<ClusterInfo>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buffer: Buffer = Buffer.alloc(0);
  private stderr = "";
  private idleTimer?: NodeJS.Timeout;
  /** Keys and sessions the bridge holds for live objects on this side: while any exist it stays. */
  private holds = 0;
  /** The cluster as the last connection found it. */
  info?: ClusterInfo;

  constructor(readonly options: BridgeOptions) {}

  /** Connects (starting the process if needed) and resolves to the cluster's size; rejects with the reason. */
  connect(): Promise<ClusterInfo> {
    if (!this.child || !this.connected) {
      this.start();
      const { scheduler, connectTimeout } = this.options;
      this.connected = this.send("connect", { scheduler, timeout: connectTimeout }, (connectTimeout + 10) * 1000).then((r) => (this.info = r as unknown as ClusterInfo));
      this.connected.catch(() => this.stop());
    }
    return this.connected;
  }

  /**
   * Sends one request after connecting; resolves to the reply's result. With `record`, the bytes of the request and
   * of its reply (every byte that crossed between this process and the bridge) go into that call's trace entry.
   */
  async request(op: string, args: Record<string, unknown> = {}, record?: Pick<TraceRecorder, "bytesToDevice" | "bytesFromDevice">): Promise<Record<string, unknown>> {
    await this.connect();
    return this.send(op, args, undefined, record);
  }

  /** Marks that an object on this side refers to state in the bridge (a stored matrix, a model). */
  hold(): void {
    this.holds++;
    this.clearIdle();
  }

  /** The object no longer refers to it; with nothing held and no request pending the idle timer starts. */
  release(): void {
    this.holds = Math.max(0, this.holds - 1);
    this.maybeIdle();
  }

  /** Stops the process now (pending requests reject). */
  stop(): void {
    this.clearIdle();
    const child = this.child;
    this.child = undefined;
    this.connected = undefined;
    if (child && child.exitCode === null) child.stdin.end();
  }

  private start(): void {
    if (!existsSync(SCRIPT)) throw new BridgeError(`the bridge script is missing at ${SCRIPT}`);
    const child = spawn(this.options.python, [SCRIPT], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, PYTHONUNBUFFERED: "1" } });
    this.child = child;
    this.buffer = Buffer.alloc(0);
    this.stderr = "";
    child.stdout.on("data", (chunk: Buffer) => this.receive(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString("utf8")).slice(-4000);
    });
    const fail = (why: string) => {
      if (this.child === child) {
        this.child = undefined;
        this.connected = undefined;
      }
      const tail = this.stderr.trim().split("\n").slice(-3).join(" | ");
      for (const p of this.pending.values()) p.reject(new BridgeError(`the Dask bridge ${why}${tail ? `: ${tail}` : ""}`));
      this.pending.clear();
    };
    child.on("error", (e) => fail(`could not start (${this.options.python}: ${e.message})`));
    child.on("exit", (code, signal) => fail(`exited (${signal ?? `code ${code}`})`));
    this.unref();
  }

  private send(op: string, args: Record<string, unknown>, timeoutMs?: number, record?: Pick<TraceRecorder, "bytesToDevice" | "bytesFromDevice">): Promise<Record<string, unknown>> {
    const child = this.child;
    if (!child) return Promise.reject(new BridgeError("the Dask bridge is not running"));
    const id = this.nextId++;
    const body = encode({ id, op, args });
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.byteLength, 0);
    this.clearIdle();
    this.ref();
    const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMs !== undefined) {
        // The Client has its own timeout; this one only guards against a bridge that hangs anyway.
        timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new BridgeError(`no reply to "${op}" within ${timeoutMs} ms`));
          this.stop();
        }, timeoutMs);
      }
      const done = () => clearTimeout(timer);
      this.pending.set(id, { resolve: (v) => (done(), resolve(v)), reject: (e) => (done(), reject(e)), record });
    });
    child.stdin.write(head);
    child.stdin.write(body);
    record?.bytesToDevice(4 + body.byteLength);
    return reply.finally(() => {
      if (this.pending.size === 0) {
        this.unref();
        this.maybeIdle();
      }
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 4) {
      const size = this.buffer.readUInt32LE(0);
      if (this.buffer.length < 4 + size) return;
      const body = this.buffer.subarray(4, 4 + size);
      this.buffer = this.buffer.subarray(4 + size);
      const message = decode(body) as { id: number; ok: boolean; result?: Record<string, unknown>; error?: string };
      const p = this.pending.get(message.id);
      if (!p) continue;
      p.record?.bytesFromDevice(4 + size);
      this.pending.delete(message.id);
      if (message.ok) p.resolve(message.result ?? {});
      else p.reject(new BridgeError(message.error ?? "the bridge failed"));
    }
  }

  private maybeIdle(): void {
    if (!this.child || this.holds > 0 || this.pending.size > 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.holds === 0 && this.pending.size === 0) this.stop();
    }, this.options.idleMs);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  // While a request is pending the process keeps Node alive (the caller awaits it); otherwise it never does.
  private ref(): void {
    const child = this.child;
    if (!child) return;
    child.ref();
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as { ref?(): void }[]) s.ref?.();
  }

  private unref(): void {
    const child = this.child;
    if (!child) return;
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as { unref?(): void }[]) s.unref?.();
  }
}

const bridges = new Map<string, Bridge>();

/** The bridge of a scheduler address, shared by every engine and matrix on it. */
export function bridgeFor(options: BridgeOptions): Bridge {
  const key = `${options.python}\u0000${options.scheduler}`;
  let bridge = bridges.get(key);
  if (!bridge) {
    bridge = new Bridge(options);
    bridges.set(key, bridge);
  }
  return bridge;
}

/** Stops every bridge (engine dispose). */
export function stopBridges(): void {
  for (const b of bridges.values()) b.stop();
}

/** Bytes of a typed array as msgpack bin (a view, no copy). */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** A typed array over bytes received from the bridge (copied when unaligned). */
export function float64s(b: unknown): Float64Array {
  return view(b, 8, (buf, off, n) => new Float64Array(buf, off, n));
}
export function float32s(b: unknown): Float32Array {
  return view(b, 4, (buf, off, n) => new Float32Array(buf, off, n));
}
export function int32s(b: unknown): Int32Array {
  return view(b, 4, (buf, off, n) => new Int32Array(buf, off, n));
}

function view<T>(b: unknown, size: number, make: (buf: ArrayBuffer, offset: number, n: number) => T): T {
  const u = b as Uint8Array;
  if (u.byteOffset % size === 0) return make(u.buffer as ArrayBuffer, u.byteOffset, u.byteLength / size);
  const copy = new Uint8Array(u.byteLength);
  copy.set(u);
  return make(copy.buffer, 0, u.byteLength / size);
}
