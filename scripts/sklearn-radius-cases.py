"""Generates scripts/fixtures/sklearn-radius-cases.json: scikit-learn reference cases for radius queries and the
neighbour graphs: iris under every metric, a grid whose neighbours lie exactly at the radius (inclusive), and the
embeddings of docs/neighbors.md ("Embedding search").

Radii are chosen so that no distance lies within 1e-5 of the radius (1e-6 for cosine's small distances) except the exact ties of the grid,
whose distances are exact in float32 too: the neighbour sets are then the same in float64 and in float32.

Run with Debian's python3-sklearn (scikit-learn 1.2.1):  /usr/bin/python3 scripts/sklearn-radius-cases.py
Then: node scripts/import-fixtures.mjs <path to the shared reference JSON> to rebuild the kit's module.
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.datasets import load_iris
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import NearestNeighbors

iris = load_iris().data
cases = []


def margin(X, Q, metric, p, radius):
    """Smallest |d - radius| over all pairs, on the data as float64 and rounded to float32."""
    kw = {"p": p} if metric == "minkowski" else {}
    return min(np.abs(pairwise_distances(Q.astype(dt).astype(float), X.astype(dt).astype(float), metric=metric, **kw) - radius).min()
               for dt in (np.float64, np.float32))


def clear_radius(X, Q, metric, p, candidates, clearance=1e-5):
    """The first candidate radius no distance (queries and training set against itself) lies within `clearance` of."""
    return next(r for r in candidates if min(margin(X, Q, metric, p, r), margin(X, X, metric, p, r)) > clearance)


def radius_case(name, X, Q, metric, p, radius, graph_k=None, self_query=True):
    nn = NearestNeighbors(radius=radius, metric=metric, p=p, algorithm="brute").fit(X)
    dist, ind = nn.radius_neighbors(Q, sort_results=True)
    self_dist, self_ind = nn.radius_neighbors()
    # scikit-learn leaves the unsorted order unspecified: the fixture lists each query's indices ascending, as ours.
    self_ind = [sorted(int(i) for i in row) for row in self_ind]
    case = {
        "name": name, "estimator": "NearestNeighbors", "kind": "radius",
        "params": {"radius": radius, "metric": metric, "p": p},
        "Xtrain": X.tolist(), "Xquery": Q.tolist(),
        "expected": {
            "distances": [d.tolist() for d in dist], "indices": [i.tolist() for i in ind],
            "graphNnz": int(nn.radius_neighbors_graph(Q).nnz),
        },
    }
    if self_query:
        case["expected"]["selfIndices"] = self_ind
    if graph_k is not None:
        g = nn.set_params(n_neighbors=graph_k).kneighbors_graph(mode="distance")
        case["expected"]["kneighborsGraph"] = {"nNeighbors": graph_k, "dense": g.toarray().tolist()}
    cases.append(case)


queries = iris[::10] + 0.05
for metric, p, near in [("euclidean", 2, 0.5), ("minkowski", 3, 0.45), ("manhattan", 1, 0.8), ("chebyshev", 2, 0.35), ("cosine", 2, 0.002)]:
    r = clear_radius(iris, queries, metric, p, [round(near * (1 + s / 1000), 7) for s in range(1, 300)], 1e-6 if metric == "cosine" else 1e-5)
    # The training set queried against itself once (euclidean), to keep the fixture small.
    radius_case(f"radius-iris-{metric}{'-p3' if p == 3 else ''}", iris, queries, metric, p, r, self_query=metric == "euclidean")

# A 5 x 5 integer grid: neighbours at exactly the radius are included (distance <= radius).
grid = np.array([[i, j] for i in range(5) for j in range(5)], float)
grid_queries = np.array([[2, 2], [0, 0], [4.0, 1.0], [9, 9]], float)
radius_case("radius-grid-ties-euclidean", grid, grid_queries, "euclidean", 2, 1.0, graph_k=2)
radius_case("radius-grid-ties-manhattan", grid, grid_queries, "manhattan", 1, 2.0)
radius_case("radius-grid-ties-chebyshev", grid, grid_queries, "chebyshev", 2, 1.0)

# The embeddings of docs/neighbors.md: six 4-d vectors (float32-exact values), cosine, one query.
emb = np.array([[0.5, 0.25, 0, 0.125], [0.5, 0.25, 0.125, 0], [0, 0.5, 0.5, 0.25], [0, 0.5, 0.25, 0.5], [1, 0, 0, 0], [0.25, 0.25, 0.25, 0.25]], float)
emb_query = np.array([[0.5, 0.25, 0.0625, 0.0625]], float)
radius_case("radius-embeddings-cosine", emb, emb_query, "cosine", 2, clear_radius(emb, emb_query, "cosine", 2, [0.1, 0.12, 0.15]), graph_k=2)
knn = NearestNeighbors(n_neighbors=3, metric="cosine", algorithm="brute").fit(emb)
kd, ki = knn.kneighbors(emb_query)
cases[-1]["expected"]["kneighbors"] = {"nNeighbors": 3, "distances": kd.tolist(), "indices": ki.tolist()}

out = pathlib.Path(__file__).parent / "fixtures" / "sklearn-radius-cases.json"
out.write_text(json.dumps({"meta": {"generator": f"scikit-learn {sklearn.__version__}", "note": __doc__.splitlines()[0]}, "cases": cases}, indent=1) + "\n")
print(f"wrote {len(cases)} cases to {out}")
