"""scikit-learn side of `npm run bench`: runs the same workloads on the data the Node bench wrote.

Usage: python3 sklearn_bench.py <manifest.json>. The manifest names raw little-endian float64 files and their
shapes; the result (seconds per run, best of the given repeats, and the outputs to cross-check) is printed as JSON.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from threadpoolctl import threadpool_info


def load(entry):
    return np.fromfile(entry["file"], dtype="<f8").reshape(entry["shape"])


def best_of(repeats, fn):
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main():
    manifest = json.load(open(sys.argv[1]))
    arrays = {name: load(entry) for name, entry in manifest["arrays"].items()}
    results = []
    for w in manifest["workloads"]:
        dtype = np.float32 if w["dtype"] == "float32" else np.float64
        if w["kind"] == "kmeans":
            X = arrays[w["X"]].astype(dtype)
            init = arrays[w["init"]].astype(dtype)
            km = KMeans(n_clusters=init.shape[0], init=init, n_init=1, max_iter=w["maxIter"], tol=0, algorithm="lloyd")
            seconds, fitted = best_of(w["repeats"], lambda: km.fit(X))
            results.append({"id": w["id"], "seconds": seconds, "nIter": int(fitted.n_iter_), "labels": fitted.labels_[:1000].tolist()})
        elif w["kind"] == "kmeans-default":
            # The default path: k-means++ then one Lloyd iteration, one initialisation (scikit-learn 1.4's
            # n_init="auto" for k-means++, which plugml's nInit="auto" follows; 1.2's default is 10).
            X = arrays[w["X"]].astype(dtype)
            km = KMeans(n_clusters=w["k"], n_init=1, max_iter=1, random_state=0, algorithm="lloyd")
            seconds, fitted = best_of(w["repeats"], lambda: km.fit(X))
            results.append({"id": w["id"], "seconds": seconds, "inertia": float(fitted.inertia_)})
        elif w["kind"] == "knn":
            T = arrays[w["train"]].astype(dtype)
            y = arrays[w["y"]].astype(np.int64).ravel()
            Q = arrays[w["queries"]].astype(dtype)[: w["queries_n"]]
            clf = KNeighborsClassifier(n_neighbors=w["k"], algorithm="brute").fit(T, y)
            seconds, pred = best_of(w["repeats"], lambda: clf.predict(Q))
            results.append({"id": w["id"], "seconds": seconds, "predict": pred[:1000].tolist()})
        elif w["kind"] == "nn":
            T = arrays[w["train"]].astype(dtype)
            Q = arrays[w["queries"]].astype(dtype)[: w["queries_n"]]
            extra = {"p": w["p"]} if w.get("p") is not None else {}
            nn = NearestNeighbors(n_neighbors=w["k"], algorithm="brute", metric=w["metric"], **extra).fit(T)
            seconds, (_, ind) = best_of(w["repeats"], lambda: nn.kneighbors(Q))
            results.append({"id": w["id"], "seconds": seconds, "indices": ind[:100].tolist()})
    libs = [f'{i.get("internal_api")} {i.get("version")} ({i.get("num_threads")} threads)' for i in threadpool_info()]
    print(json.dumps({"version": sklearn.__version__, "numpy": np.__version__, "threadpools": libs, "results": results}))


main()
