"""Generates scripts/fixtures/sklearn-silhouette-cases.json: scikit-learn reference values of silhouette_samples and
silhouette_score (euclidean, manhattan, cosine) on blobs, on duplicated points split across clusters (a = b = 0),
with a singleton cluster, and the customer-segmentation example of docs/clustering.md (StandardScaler, then KMeans
for k = 2..6 started from the first k scaled rows, so that every engine's Lloyd iterations give the same labels).

Run with Debian's python3-sklearn (scikit-learn 1.2.1):  /usr/bin/python3 scripts/sklearn-silhouette-cases.py
Then: node scripts/import-fixtures.mjs <path to the shared reference JSON> to rebuild the kit's module.
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_samples, silhouette_score
from sklearn.preprocessing import StandardScaler

cases = []


def case(name, X, labels, metric):
    X = np.asarray(X, float)
    labels = np.asarray(labels)
    cases.append({
        "name": name, "estimator": "metrics", "function": "silhouette", "metric": metric,
        "X": X.tolist(), "labels": labels.tolist(),
        "expected": {"samples": silhouette_samples(X, labels, metric=metric).tolist(), "score": float(silhouette_score(X, labels, metric=metric))},
    })


blobs, blob_labels = make_blobs(n_samples=60, n_features=4, centers=3, cluster_std=2.0, random_state=3)
for metric in ["euclidean", "manhattan", "cosine"]:
    case(f"silhouette-blobs-{metric}", blobs, blob_labels, metric)
# Labels that do not follow the blobs: negative coefficients.
case("silhouette-blobs-shuffled-labels", blobs, np.arange(60) % 4, "euclidean")
# Duplicates split across clusters: a = b = 0 gives 0 (nan_to_num of 0 / 0).
dup = [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [5.0, 5.0], [5.0, 6.0]]
case("silhouette-duplicates-across-clusters", dup, [0, 1, 0, 1, 2, 2], "euclidean")
# A singleton cluster (coefficient 0) and a zero row (cosine distance 1 to others, 0 to itself).
single = [[0.0, 0.0], [0.5, 0.1], [0.2, 0.4], [9.0, 9.0], [3.0, -1.0], [3.5, -1.2]]
for metric in ["euclidean", "manhattan", "cosine"]:
    case(f"silhouette-singleton-{metric}", single, [0, 0, 0, 1, 2, 2], metric)

# docs/clustering.md: 40 customers (annual spend, visits per month, basket size) in 4 segments, jitter exact in float64.
segments = [[20, 2, 15], [80, 8, 30], [50, 15, 10], [120, 4, 60]]
customers = np.array([[v * (1 + ((i * 7 + j * 3) % 11 - 5) / 50) for j, v in enumerate(segments[i % 4])] for i in range(40)])
scaled = StandardScaler().fit_transform(customers)
docs = {"X": customers.tolist(), "scores": {}}
for k in range(2, 7):
    km = KMeans(n_clusters=k, init=scaled[:k], n_init=1, algorithm="lloyd").fit(scaled)
    docs["scores"][str(k)] = float(silhouette_score(scaled, km.labels_))
docs["best"] = int(max(docs["scores"], key=docs["scores"].get))

out = pathlib.Path(__file__).parent / "fixtures" / "sklearn-silhouette-cases.json"
out.write_text(json.dumps({"meta": {"generator": f"scikit-learn {sklearn.__version__}"}, "cases": cases, "docs": docs}, indent=1) + "\n")
print(f"wrote {len(cases)} cases to {out}; docs example scores {docs['scores']}, best k = {docs['best']}")
