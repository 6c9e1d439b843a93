"""Generates scripts/fixtures/sklearn-kit-cases.json: scikit-learn reference cases that catch engines which
mishandle nInit, classifier vote ties, score(X), the per-call nNeighbors of kneighbors, maxIter and tol.

Run with Debian's python3-sklearn (scikit-learn 1.2.1):  python3 scripts/sklearn-kit-cases.py
Then: node scripts/import-fixtures.mjs <path to the shared reference JSON> to rebuild the kit's module.
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

iris = load_iris().data
cases = []


def kmeans_run(X, init, max_iter=300, tol=1e-4):
    km = KMeans(n_clusters=len(init), init=np.asarray(init, float), n_init=1, max_iter=max_iter, tol=tol, algorithm="lloyd")
    km.fit(X)
    return km


def kmeans_case(name, X, init, max_iter, tol, score_X):
    km = kmeans_run(X, init, max_iter, tol)
    cases.append({
        "name": name, "estimator": "KMeans", "params": {"nClusters": len(init), "maxIter": max_iter, "tol": tol},
        "X": X.tolist(), "init": np.asarray(init, float).tolist(), "sampleWeight": None,
        "scoreX": score_X.tolist(),
        "expected": {
            "clusterCenters": km.cluster_centers_.tolist(), "labels": km.labels_.tolist(), "inertia": float(km.inertia_),
            "nIter": int(km.n_iter_), "predictOnX": km.predict(X).tolist(),
            "transformFirst5": km.transform(X[:5]).tolist(), "scoreOnScoreX": float(km.score(score_X)),
        },
    })
    return km


# maxIter and tol must be honoured: stopped runs differ from converged ones (centers, nIter).
setosa_start = iris[[0, 1, 2]]
full = kmeans_run(iris, setosa_start)
assert full.n_iter_ > 3
kmeans_case("kmeans-iris-max-iter-2", iris, setosa_start, 2, 1e-4, iris[::7] + 0.25)
# A tolerance large enough to stop before convergence but after the first iteration.
tol_case = next(t for t in [0.5, 0.2, 0.1, 0.05, 0.02, 0.01] if 1 < kmeans_run(iris, setosa_start, tol=t).n_iter_ < full.n_iter_)
kmeans_case("kmeans-iris-large-tol", iris, setosa_start, 300, tol_case, iris[::5] * 0.9)


def ninit_case(name, X, init_sets):
    """Several initialisations: scikit-learn keeps the run with the lowest inertia, the earlier one on ties."""
    runs = [kmeans_run(X, init) for init in init_sets]
    best = None
    for i, r in enumerate(runs):
        if best is None or r.inertia_ < runs[best].inertia_:
            best = i
    b = runs[best]
    cases.append({
        "name": name, "estimator": "KMeans", "kind": "nInit", "params": {"nClusters": len(init_sets[0]), "maxIter": 300, "tol": 1e-4},
        "X": X.tolist(), "initSets": [np.asarray(s, float).tolist() for s in init_sets], "best": best,
        "runInertia": [float(r.inertia_) for r in runs],
        "expected": {"clusterCenters": b.cluster_centers_.tolist(), "labels": b.labels_.tolist(), "inertia": float(b.inertia_), "nIter": int(b.n_iter_)},
    })


square = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
worse = [[0, 0], [1, 1]]
left_right = [[0, 0.5], [1, 0.5]]
bottom_top = [[0.5, 0], [0.5, 1]]
ninit_case("kmeans-ninit-tie-keeps-earlier-a", square, [worse, bottom_top, left_right])
ninit_case("kmeans-ninit-tie-keeps-earlier-b", square, [worse, left_right, bottom_top])
ninit_case("kmeans-ninit-iris-best-not-first", iris, [iris[[0, 1, 2]], iris[[10, 60, 120]], iris[[0, 50, 51]]])

# Vote ties: scikit-learn's argmax gives the lowest class index.
def classifier_case(name, Xtrain, ytrain, Xtest, **params):
    clf = KNeighborsClassifier(algorithm="brute", **params).fit(Xtrain, ytrain)
    cases.append({
        "name": name, "estimator": "KNeighborsClassifier",
        "params": {"nNeighbors": params["n_neighbors"], "weights": params.get("weights", "uniform"), "metric": "minkowski", "p": 2},
        "Xtrain": Xtrain.tolist(), "ytrain": list(map(int, ytrain)), "Xtest": Xtest.tolist(),
        "expected": {"predict": clf.predict(Xtest).tolist(), "predictProba": clf.predict_proba(Xtest).tolist(), "classes": clf.classes_.tolist()},
    })


line = np.array([[0], [2], [10], [12], [20], [22], [24]], float)
classifier_case("knn-vote-tie-uniform", line, [1, 0, 2, 0, 2, 1, 0], np.array([[1], [11], [21]], float), n_neighbors=2)
classifier_case("knn-vote-tie-distance", line, [2, 1, 1, 2, 0, 2, 1], np.array([[1], [11], [23]], float), n_neighbors=2, weights="distance")
classifier_case("knn-vote-tie-three-classes", line, [2, 1, 0, 2, 1, 0, 2], np.array([[21.9999], [11.5]], float), n_neighbors=3)

# kneighbors(X, n_neighbors=k) must use the per-call k, not the fitted one.
# Queries off the data's 0.1 grid, so no two training rows are equally far from a query (ties would leave the
# order to argpartition).
queries = iris[1::25] + np.array([0.0123, 0.0371, 0.0057, 0.0219])
nn = NearestNeighbors(n_neighbors=5, algorithm="brute").fit(iris[::2])
dist, ind = nn.kneighbors(queries, n_neighbors=2)
dist5, ind5 = nn.kneighbors(queries)
all_d = np.sort(np.linalg.norm(queries[:, None, :] - iris[::2][None, :, :], axis=2), axis=1)
assert (np.diff(all_d[:, :6], axis=1) > 1e-9).all(), "ties among the nearest training rows"
cases.append({
    "name": "nn-iris-per-call-k", "estimator": "NearestNeighbors", "params": {"nNeighbors": 5, "metric": "minkowski", "p": 2},
    "Xtrain": iris[::2].tolist(), "Xquery": queries.tolist(),
    "expected": {"distances": dist5.tolist(), "indices": ind5.tolist()},
    "perCall": {"nNeighbors": 2, "distances": dist.tolist(), "indices": ind.tolist()},
})

out = pathlib.Path(__file__).parent / "fixtures" / "sklearn-kit-cases.json"
meta = {"generator": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}", "note": "kit cases: maxIter, tol, score(X), nInit, vote ties, per-call nNeighbors"}
out.write_text(json.dumps({"meta": meta, "cases": cases}))
print(f"wrote {len(cases)} cases to {out}")
