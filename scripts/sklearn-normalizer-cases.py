"""Generates scripts/fixtures/sklearn-normalizer-cases.json: scikit-learn reference cases for Normalizer (l1, l2,
max) on iris-sized data with negative values and all-zero rows, which every norm leaves unchanged.

Run with Debian's python3-sklearn (scikit-learn 1.2.1):  python3 scripts/sklearn-normalizer-cases.py
Then: node scripts/import-fixtures.mjs <path to the shared reference JSON> to rebuild the kit's module.
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.datasets import load_iris
from sklearn.preprocessing import Normalizer

iris = load_iris().data
rng = np.random.RandomState(11)
# Centred iris (negative values), a few all-zero rows, and one row with a single nonzero value.
mixed = np.vstack([iris[::6] - iris.mean(axis=0), np.zeros((2, 4)), [[0.0, -3.5, 0.0, 0.0]]])
wide = rng.normal(size=(12, 9)) * np.array([1e-3, 1, 10, 100, 1, 0.5, 2, 3, 1e3])

cases = []
for data_name, X in [("iris", iris[::10]), ("centred-iris-zero-rows", mixed), ("wide-scales", wide)]:
    for norm in ["l2", "l1", "max"]:
        cases.append({
            "name": f"normalizer-{norm}-{data_name}", "estimator": "Normalizer", "params": {"norm": norm},
            "X": X.tolist(), "expected": {"transform": Normalizer(norm=norm).fit(X).transform(X).tolist()},
        })

out = pathlib.Path(__file__).parent / "fixtures" / "sklearn-normalizer-cases.json"
out.write_text(json.dumps({"meta": {"generator": f"scikit-learn {sklearn.__version__}"}, "cases": cases}, indent=1) + "\n")
print(f"wrote {len(cases)} cases to {out}")
