#!/usr/bin/env python3
"""plugml's bridge to a Dask cluster: engine-dask starts this process, sends it requests on stdin and reads the
replies on stdout. Each message is a 4-byte little-endian length and a msgpack map; arrays travel as raw
little-endian bytes (msgpack bin) beside their dtype and shape, never as lists of numbers.

The bridge is a thin client: it holds dask.distributed's Client, the futures of the matrices it persisted on the
workers (one future per row partition), and submits numpy functions that run on the workers. Only small results
(centers, per-partition sums, top-k candidates) come back to it, and from it to the JS process. It exits when stdin
closes (the engine went idle, or the JS process ended).
"""
import glob
from concurrent.futures import CancelledError
import itertools
import math
import struct
import sys
import traceback
import time
import uuid

import msgpack
import numpy as np
from distributed import Client
from distributed import wait
from distributed.utils import TimeoutError as DistributedTimeout

DTYPES = {"float32": np.float32, "float64": np.float64}
# Seconds without any worker after which a pending computation fails (the scheduler would otherwise wait forever).
NO_WORKER_GRACE = 10.0

# ---- framing ---------------------------------------------------------------------------------------------------


def read_frame(stream):
    head = stream.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack("<I", head)
    body = stream.read(size)
    if len(body) < size:
        return None
    return msgpack.unpackb(body, raw=False)


def write_frame(stream, message):
    body = msgpack.packb(message, use_bin_type=True)
    stream.write(struct.pack("<I", len(body)))
    stream.write(body)
    stream.flush()


def array(buf, dtype, shape):
    return np.frombuffer(buf, dtype=DTYPES[dtype] if isinstance(dtype, str) else dtype).reshape(shape)


def raw(a):
    return np.ascontiguousarray(a).tobytes()


# ---- work run on the workers (cloudpickle ships these by value) ------------------------------------------------


def npy_shape(path):
    a = np.load(path, mmap_mode="r")
    return [list(a.shape), str(a.dtype)]


def load_npy(path):
    return np.ascontiguousarray(np.load(path))


def load_csv(path, delimiter, skip_header, usecols, dtype):
    out = np.loadtxt(path, delimiter=delimiter, skiprows=1 if skip_header else 0, usecols=usecols, dtype=DTYPES[dtype], ndmin=2)
    return np.ascontiguousarray(out)


def same(values):
    return values


def slice_rows(part, a, b):
    return np.ascontiguousarray(part[a:b])


def part_rows(part):
    return part.shape[0]


def max_abs(part):
    return float(np.max(np.abs(part))) if part.size else 0.0


def moments(part, weights):
    """Count (or total weight), mean and sum of squared deviations per column, in float64."""
    x = part.astype(np.float64, copy=False)
    if weights is None:
        n = float(x.shape[0])
        mean = x.mean(axis=0) if x.shape[0] else np.zeros(x.shape[1])
        m2 = ((x - mean) ** 2).sum(axis=0)
    else:
        n = float(weights.sum())
        mean = (weights[:, None] * x).sum(axis=0) / n if n > 0 else np.zeros(x.shape[1])
        m2 = (weights[:, None] * (x - mean) ** 2).sum(axis=0)
    return n, mean, m2


def affine(part, mean, scale, inverse):
    x = part.astype(np.float64)
    y = x * scale + mean if inverse else (x - mean) / scale
    return y.astype(part.dtype)


def sq_distances(part, row):
    """Squared euclidean distance of every row to `row`, in float64, features added in order (as engine-cpu)."""
    x = part.astype(np.float64, copy=False)
    c = np.asarray(row, dtype=np.float64)
    acc = np.zeros(x.shape[0])
    for j in range(x.shape[1]):
        d = x[:, j] - c[j]
        acc += d * d
    return acc


def sq_to_centers(part, centers):
    x = part.astype(np.float64, copy=False)
    c = centers.astype(np.float64, copy=False)
    acc = np.zeros((x.shape[0], c.shape[0]))
    for j in range(x.shape[1]):
        d = x[:, j, None] - c[None, :, j]
        acc += d * d
    return acc


def center_distances(part, centers):
    return np.sqrt(sq_to_centers(part, centers)).astype(part.dtype)


def candidate_trial(part, closest, row):
    return np.minimum(closest, sq_distances(part, row))


def trial_sums(part, closest, cands):
    """Per candidate row, the partition's potential were it the next center: the sum of min(closest, distance)."""
    return [seq_sum(np.minimum(closest, sq_distances(part, c))) for c in cands]


def seq_sum(v):
    return float(np.cumsum(v)[-1]) if v.size else 0.0


def search(closest, offset, draws):
    """Per draw, the first local row whose running sum (from `offset`) reaches it, or -1 when none does."""
    cum = offset + np.cumsum(closest)
    out = []
    for d in draws:
        i = int(np.searchsorted(cum, d, side="left"))
        out.append(i if i < cum.size else -1)
    return out


def take_row(part, i):
    return np.array(part[i], copy=True)


def assign(part, centers):
    d = sq_to_centers(part, centers)
    return np.argmin(d, axis=1).astype(np.int32)


def lloyd_stats(part, labels, old_labels, weights, k):
    """Per-cluster float64 weighted sums and weights of a partition, and how many labels changed."""
    x = part.astype(np.float64, copy=False)
    w = np.ones(x.shape[0]) if weights is None else weights
    sums = np.zeros((k, x.shape[1]))
    np.add.at(sums, labels, x * w[:, None])
    totals = np.bincount(labels, weights=w, minlength=k).astype(np.float64)
    changed = int(x.shape[0]) if old_labels is None else int(np.count_nonzero(labels != old_labels))
    return sums, totals, changed


def sq_to_assigned(x, labels, centers):
    """Squared euclidean distance of every row of x (float64) to its assigned center, features added in order."""
    c = centers.astype(np.float64, copy=False)
    acc = np.zeros(x.shape[0])
    for j in range(x.shape[1]):
        d = x[:, j] - c[labels, j]
        acc += d * d
    return acc


def farthest(part, labels, centers, weights, count, offset):
    """The `count` rows farthest from their assigned center: (squared distance, global index, weight, row, label)."""
    x = part.astype(np.float64, copy=False)
    acc = sq_to_assigned(x, labels, centers)
    order = np.lexsort((np.arange(x.shape[0]), -acc))[:count]
    w = np.ones(x.shape[0]) if weights is None else weights
    return [(float(acc[i]), int(offset + i), float(w[i]), x[i].copy(), int(labels[i])) for i in order]


def inertia_of(part, labels, centers, weights):
    x = part.astype(np.float64, copy=False)
    acc = sq_to_assigned(x, labels, centers)
    w = np.ones(x.shape[0]) if weights is None else weights
    return seq_sum(acc * w)


def distances(part, queries, metric, p):
    """Distances (nq x rows) in float64, as engine-cpu defines them."""
    x = part.astype(np.float64, copy=False)
    q = queries.astype(np.float64, copy=False)
    if metric == "cosine":
        def unit(a, dtype):
            n = np.sqrt((a * a).sum(axis=1))
            tiny = 10 * np.finfo(dtype).eps
            n[n < tiny] = 1.0
            return a / n[:, None]
        return np.clip(1.0 - unit(q, queries.dtype) @ unit(x, part.dtype).T, 0.0, 2.0)
    acc = np.zeros((q.shape[0], x.shape[0]))
    for j in range(x.shape[1]):
        d = np.abs(q[:, j, None] - x[None, :, j])
        if metric == "chebyshev" or (metric == "minkowski" and math.isinf(p)):
            np.maximum(acc, d, out=acc)
        elif metric == "manhattan" or (metric == "minkowski" and p == 1):
            acc += d
        elif metric == "euclidean" or (metric == "minkowski" and p == 2):
            acc += d * d
        else:
            acc += d ** p
    if metric == "euclidean" or (metric == "minkowski" and p == 2):
        return np.sqrt(acc)
    if metric == "minkowski" and not (p == 1 or math.isinf(p)):
        return acc ** (1.0 / p)
    return acc


def local_topk(part, queries, metric, p, k, offset, skip_from):
    """Each query's k nearest rows of the partition: (distances, global indices), ties by the lower index."""
    d = distances(part, queries, metric, p)
    idx = np.arange(offset, offset + part.shape[0])
    if skip_from is not None:
        # Query i is training row skip_from + i: it is not its own neighbour.
        for i in range(d.shape[0]):
            r = skip_from + i - offset
            if 0 <= r < d.shape[1]:
                d[i, r] = np.inf
    kk = min(k, d.shape[1])
    # Every query's row sorted by (distance, index) at once: lexsort's last key is the primary one.
    order = np.lexsort((np.broadcast_to(idx, d.shape), d), axis=-1)[:, :kk]
    out_d = np.take_along_axis(d, order, axis=1)
    out_i = idx[order]
    return out_d, out_i


# ---- the bridge ------------------------------------------------------------------------------------------------


class Stored:
    """A matrix persisted on the workers: one future per row partition, in row order."""

    def __init__(self, parts, rows, cols, dtype):
        self.parts = parts
        self.rows = rows
        self.cols = cols
        self.dtype = dtype
        self.offsets = [0] + list(itertools.accumulate(rows))

    @property
    def n(self):
        return self.offsets[-1]


class Bridge:
    def __init__(self):
        self.client = None
        self.stored = {}
        self.sessions = {}

    # -- cluster

    def put(self, values):
        """Host values on a worker, as a task that carries them: the scheduler keeps the task, so a worker lost with
        the values recomputes them elsewhere (scattered data, or replicas the memory manager may drop, would not)."""
        return self.client.submit(same, values, pure=False)

    def settle(self, futures):
        """Waits until the futures are computed on the workers (nothing comes here); raises the first failure."""
        self.gather([self.client.submit(lambda _: None, f) for f in futures])

    def gather(self, futures):
        """The futures' results. A lost worker's tasks are recomputed by the scheduler from their sources (the
        files, or the tasks that carry host data); when no worker is left for `NO_WORKER_GRACE` seconds the wait
        ends with an error instead of hanging."""
        try:
            return self._gather(futures)
        except CancelledError as e:
            raise RuntimeError(
                "the cluster lost data this computation needs with its workers and could not recompute it "
                f"({len(self.client.scheduler_info().get('workers', {}))} worker(s) are left)"
            ) from e

    def _gather(self, futures):
        since = None
        while True:
            try:
                # distributed.wait raises TimeoutError when the futures are not all done within the timeout.
                wait(futures, timeout=1.0)
                return self.client.gather(futures)
            except DistributedTimeout:
                pass
            if self.client.scheduler_info().get("workers"):
                since = None
            elif since is None:
                since = time.monotonic()
            elif time.monotonic() - since > NO_WORKER_GRACE:
                raise RuntimeError(f"no Dask worker has been left on the cluster for {NO_WORKER_GRACE:g} s; the computation was abandoned")

    def op_connect(self, scheduler, timeout):
        # The default client of this process, which distributed.wait uses.
        self.client = Client(scheduler, timeout=f"{timeout}s", set_as_default=True)
        return self.op_cluster()

    def op_cluster(self):
        info = self.client.scheduler_info()
        workers = info.get("workers", {})
        return {
            "scheduler": info.get("address", ""),
            "workers": len(workers),
            "threads": int(sum(w.get("nthreads", 0) for w in workers.values())),
        }

    # -- matrices

    def keep(self, parts, rows, cols, dtype):
        key = uuid.uuid4().hex
        self.stored[key] = Stored(parts, rows, cols, dtype)
        return key, self.describe(key)

    def describe(self, key):
        s = self.stored[key]
        holders = self.client.who_has(s.parts)
        workers = {w for ws in holders.values() for w in ws}
        return {"key": key, "rows": s.n, "cols": s.cols, "dtype": s.dtype, "partitions": len(s.parts), "workers": len(workers)}

    def op_from_host(self, data, dtype, rows, cols, partitions):
        X = array(data, dtype, (rows, cols))
        pieces = [np.ascontiguousarray(p) for p in np.array_split(X, max(1, min(partitions, rows)))]
        futures = [self.put(p) for p in pieces]
        self.settle(futures)
        key, desc = self.keep(futures, [p.shape[0] for p in pieces], cols, dtype)
        return desc

    def op_read_npy(self, pattern):
        files = sorted(glob.glob(pattern))
        if not files:
            raise ValueError(f"no file matches {pattern!r}")
        shapes = self.gather([self.client.submit(npy_shape, f, pure=False) for f in files])
        cols = None
        for f, (shape, dt) in zip(files, shapes):
            if len(shape) != 2 or dt not in DTYPES:
                raise ValueError(f"{f}: a 2-D float32 or float64 array is needed, got shape {tuple(shape)} and dtype {dt}")
            if cols is not None and (shape[1] != cols or dt != dtype):
                raise ValueError(f"{f}: {shape[1]} columns of {dt}, but {files[0]} has {cols} of {dtype}")
            cols, dtype = shape[1], dt
        # Each file is a task on the workers: a lost worker's partitions are read again from their file.
        parts = [self.client.submit(load_npy, f, key=f"plugml-npy-{uuid.uuid4().hex}") for f in files]
        self.settle(parts)
        key, desc = self.keep(parts, [s[0][0] for s in shapes], cols, dtype)
        return desc

    def op_read_csv(self, pattern, delimiter, header, usecols, dtype):
        files = sorted(glob.glob(pattern))
        if not files:
            raise ValueError(f"no file matches {pattern!r}")
        parts = [self.client.submit(load_csv, f, delimiter, header, usecols, dtype, key=f"plugml-csv-{uuid.uuid4().hex}") for f in files]
        self.settle(parts)
        rows = self.gather([self.client.submit(part_rows, p) for p in parts])
        cols = len(usecols) if usecols is not None else None
        if cols is None:
            cols = self.gather([self.client.submit(lambda a: a.shape[1], parts[0])])[0]
        key, desc = self.keep(parts, rows, cols, dtype)
        return desc

    def op_to_host(self, key):
        s = self.stored[key]
        parts = self.gather(s.parts)
        return {"data": raw(np.concatenate(parts).astype(DTYPES[s.dtype], copy=False))}

    def op_free(self, key):
        # Dropping the futures releases the partitions once no other key (an alias) holds them.
        self.stored.pop(key, None)
        return {}

    def op_take_rows(self, key, indices):
        s = self.stored[key]
        wanted = array(indices, np.int32, (-1,))
        rows = self.rows_of(s, [int(i) for i in wanted])
        return {"data": raw(np.array(rows, dtype=DTYPES[s.dtype]).reshape(len(rows), s.cols))}

    def op_alias(self, key):
        """Another key for the same partitions: the holder of each key can free it without touching the other."""
        s = self.stored[key]
        new, desc = self.keep(list(s.parts), list(s.rows), s.cols, s.dtype)
        return desc

    def op_max_abs(self, key):
        s = self.stored[key]
        return {"maxAbs": max(self.gather([self.client.submit(max_abs, p) for p in s.parts]))}

    def weight_parts(self, s, weights):
        if weights is None:
            return [None] * len(s.parts)
        w = array(weights, np.float64, (s.n,))
        return [self.put(np.ascontiguousarray(w[a:b])) for a, b in zip(s.offsets, s.offsets[1:])]

    # -- StandardScaler

    def op_moments(self, key, weights=None):
        """Column mean and population variance, partition moments combined as a parallel variance (Chan et al.)."""
        s = self.stored[key]
        w = self.weight_parts(s, weights)
        stats = self.gather([self.client.submit(moments, p, wp) for p, wp in zip(s.parts, w)])
        n, mean, m2 = 0.0, np.zeros(s.cols), np.zeros(s.cols)
        for nb, mb, m2b in stats:
            if nb == 0:
                continue
            total = n + nb
            delta = mb - mean
            mean = mean + delta * (nb / total)
            m2 = m2 + m2b + delta * delta * (n * nb / total)
            n = total
        return {"mean": raw(mean), "var": raw(m2 / n), "n": n}

    def op_affine(self, key, mean, scale, inverse, output):
        s = self.stored[key]
        m = array(mean, np.float64, (s.cols,))
        sc = array(scale, np.float64, (s.cols,))
        parts = [self.client.submit(affine, p, m, sc, inverse) for p in s.parts]
        return self.deliver(parts, s, output)

    def deliver(self, parts, s, output, cols=None, dtype=None):
        cols = s.cols if cols is None else cols
        dtype = s.dtype if dtype is None else dtype
        if output == "engine":
            key, desc = self.keep(parts, list(s.rows), cols, dtype)
            return desc
        out = np.concatenate(self.gather(parts)).astype(DTYPES[dtype], copy=False)
        self.client.cancel(parts)
        return {"data": raw(out)}

    # -- KMeans

    def rows_of(self, s, indices):
        """The rows at these global indices, fetched in one round trip."""
        tasks = []
        for index in indices:
            p = int(np.searchsorted(s.offsets, index, side="right") - 1)
            tasks.append(self.client.submit(take_row, s.parts[p], index - s.offsets[p]))
        return self.gather(tasks)

    def op_kmeans_plusplus(self, key, k, trials, firsts, uniforms):
        """Greedy k-means++ per run, from the uniform draws core's generator made (see the KMeans init hook)."""
        s = self.stored[key]
        u = array(uniforms, np.float64, (len(firsts), max(k - 1, 0), trials))
        runs = []
        for run, first in enumerate(firsts):
            chosen = [int(first)]
            row = self.rows_of(s, [first])[0]
            closest = [self.client.submit(sq_distances, p, row) for p in s.parts]
            totals = self.gather([self.client.submit(seq_sum, c) for c in closest])
            pot = seq_sum(np.array(totals))
            for c in range(1, k):
                # Three round trips per center: the drawn rows' positions, their values, every trial's potential.
                draws = u[run, c - 1] * pot
                starts = np.concatenate([[0.0], np.cumsum(totals)])
                found = self.gather([self.client.submit(search, cl, starts[i], draws) for i, cl in enumerate(closest)])
                indices = []
                for t in range(trials):
                    index = s.n - 1  # rounding left the draw above the last sum: numpy's searchsorted gives n, clipped
                    for i, hits in enumerate(found):
                        if hits[t] >= 0:
                            index = s.offsets[i] + hits[t]
                            break
                    indices.append(index)
                cands = np.array(self.rows_of(s, indices))
                sums = np.array(self.gather([self.client.submit(trial_sums, p, cl, cands) for p, cl in zip(s.parts, closest)]))
                potentials = [seq_sum(sums[:, t]) for t in range(trials)]
                best = 0
                for t in range(1, trials):
                    if potentials[t] < potentials[best]:
                        best = t
                pot, totals = potentials[best], list(sums[:, best])
                # The winner's capped distances stay on the workers, computed when the next center needs them.
                closest = [self.client.submit(candidate_trial, p, cl, cands[best]) for p, cl in zip(s.parts, closest)]
                chosen.append(indices[best])
            runs.append(chosen)
        rows = self.rows_of(s, [i for run in runs for i in run])
        return {"indices": raw(np.array(runs, dtype=np.int32)), "centers": raw(np.array(rows, dtype=DTYPES[s.dtype]))}

    def op_lloyd_start(self, key, k, weights=None):
        s = self.stored[key]
        sid = uuid.uuid4().hex
        self.sessions[sid] = {"key": key, "k": k, "weights": self.weight_parts(s, weights), "labels": [None] * len(s.parts)}
        return {"session": sid}

    def op_lloyd_step(self, session, centers):
        """Assigns every row to its nearest center (kept on the workers) and returns the clusters' sums."""
        st = self.sessions[session]
        s = self.stored[st["key"]]
        c = array(centers, DTYPES[s.dtype], (st["k"], s.cols))
        labels = [self.client.submit(assign, p, c) for p in s.parts]
        stats = self.gather([self.client.submit(lloyd_stats, p, lb, old, w, st["k"]) for p, lb, old, w in zip(s.parts, labels, st["labels"], st["weights"])])
        st["previous"], st["labels"] = st["labels"], labels
        sums = np.zeros((st["k"], s.cols))
        totals = np.zeros(st["k"])
        changed = 0
        for ps, pt, ch in stats:
            sums += ps
            totals += pt
            changed += ch
        return {"sums": raw(sums), "weights": raw(totals), "changed": changed}

    def op_lloyd_farthest(self, session, centers, count):
        st = self.sessions[session]
        s = self.stored[st["key"]]
        c = array(centers, DTYPES[s.dtype], (st["k"], s.cols))
        found = self.gather([
            self.client.submit(farthest, p, lb, c, w, count, s.offsets[i])
            for i, (p, lb, w) in enumerate(zip(s.parts, st["labels"], st["weights"]))
        ])
        best = sorted((r for rs in found for r in rs), key=lambda r: (-r[0], r[1]))[:count]
        return {"indices": raw(np.array([r[1] for r in best], dtype=np.int32)), "weights": raw(np.array([r[2] for r in best])),
                "labels": raw(np.array([r[4] for r in best], dtype=np.int32)),
                "rows": raw(np.array([r[3] for r in best], dtype=np.float64).reshape(len(best), s.cols))}

    def op_lloyd_inertia(self, session, centers):
        """The inertia of the session's current labels against `centers`, partition sums added in row order."""
        st = self.sessions[session]
        s = self.stored[st["key"]]
        c = array(centers, DTYPES[s.dtype], (st["k"], s.cols))
        inertias = self.gather([self.client.submit(inertia_of, p, lb, c, w) for p, lb, w in zip(s.parts, st["labels"], st["weights"])])
        return {"inertia": seq_sum(np.array(inertias))}

    def op_lloyd_labels(self, session, bits):
        """The session's labels, packed in `bits` bits each (see pack)."""
        st = self.sessions[session]
        return {"labels": pack(np.concatenate(self.gather(st["labels"])), bits)}

    def op_lloyd_cancel(self, session):
        self.sessions.pop(session, None)
        return {}

    def op_kmeans_predict(self, key, centers, k, what, weights=None, output="host"):
        s = self.stored[key]
        c = array(centers, DTYPES[s.dtype], (k, s.cols))
        if what == "labels":
            labels = np.concatenate(self.gather([self.client.submit(assign, p, c) for p in s.parts]))
            return {"labels": raw(labels)}
        if what == "transform":
            parts = [self.client.submit(center_distances, p, c) for p in s.parts]
            return self.deliver(parts, s, output, cols=k)
        w = self.weight_parts(s, weights)
        labels = [self.client.submit(assign, p, c) for p in s.parts]
        inertias = self.gather([self.client.submit(inertia_of, p, lb, c, wp) for p, lb, wp in zip(s.parts, labels, w)])
        return {"score": -seq_sum(np.array(inertias))}

    # -- neighbours

    def op_kneighbors(self, key, k, metric, p, queries=None, nq=0, qdtype=None, query_key=None):
        """k nearest training rows of each query: every partition its local top-k, merged here (ties: lower index).
        Queries are host rows (broadcast to the workers in batches), another stored matrix (partition by
        partition), or, with neither, the training set itself, each row left out of its own neighbours."""
        s = self.stored[key]
        widest = max(s.rows) if s.rows else 1
        # Each task holds batch x partition distances: about 8 MB of them at a time.
        batch = max(1, int(1_000_000 // max(1, widest)))
        if queries is not None:
            Q = array(queries, DTYPES[qdtype or s.dtype], (nq, s.cols))
            batches = [(self.put(np.ascontiguousarray(Q[a:a + batch])), None) for a in range(0, nq, batch)]
        else:
            source = self.stored[query_key] if query_key is not None else s
            batches = []
            for i, qp in enumerate(source.parts):
                for a in range(0, source.rows[i], batch):
                    piece = self.client.submit(slice_rows, qp, a, a + batch)
                    batches.append((piece, source.offsets[i] + a if query_key is None else None))
        out_d, out_i = [], []
        for qf, skip in batches:
            local = self.gather([self.client.submit(local_topk, part, qf, metric, p, k, s.offsets[i], skip) for i, part in enumerate(s.parts)])
            d = np.concatenate([l[0] for l in local], axis=1)
            idx = np.concatenate([l[1] for l in local], axis=1)
            order = np.lexsort((idx, d), axis=-1)[:, :k]
            bd = np.take_along_axis(d, order, axis=1)
            bi = np.take_along_axis(idx, order, axis=1).astype(np.int32)
            out_d.append(bd)
            out_i.append(bi)
        return {"distances": raw(np.concatenate(out_d)), "indices": raw(np.concatenate(out_i))}


def pack(labels, bits):
    """Labels as `bits`-bit unsigned integers, bit i*bits+b of the stream holding bit b of label i (little-endian):
    the labels of a large fit are the biggest thing it returns, and need only ceil(log2 k) bits each."""
    planes = ((labels.astype(np.uint32)[:, None] >> np.arange(bits, dtype=np.uint32)) & 1).astype(np.uint8)
    return raw(np.packbits(planes.reshape(-1), bitorder="little"))


def main():
    bridge = Bridge()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Anything a library prints goes to stderr, never into the replies.
    sys.stdout = sys.stderr
    while True:
        message = read_frame(stdin)
        if message is None:
            break
        reply = {"id": message.get("id")}
        try:
            handler = getattr(bridge, "op_" + message["op"], None)
            if handler is None:
                raise ValueError(f"unknown operation {message['op']!r}")
            reply["result"] = handler(**(message.get("args") or {}))
            reply["ok"] = True
        except Exception as e:  # every failure is the reply's, the bridge keeps serving
            reply["ok"] = False
            reply["error"] = f"{type(e).__name__}: {e}"
            reply["trace"] = traceback.format_exc(limit=4)
        write_frame(stdout, reply)
    if bridge.client is not None:
        bridge.client.close()


if __name__ == "__main__":
    main()
