"""Generates packages/core/test/fixtures/sklearn-model-selection.json: scikit-learn 1.2.1's results for the metrics,
the splitters, cross-validation, grid search and the docs/model-selection.md sample, which the tests
packages/core/test/metrics*.test.ts, model-selection*.test.ts and pipeline*.test.ts compare against.

Run with Debian's python3-sklearn (scikit-learn 1.2.1):  /usr/bin/python3 scripts/sklearn-model-selection-cases.py

The file is not under scripts/fixtures/ on purpose: every sklearn-*-cases.json there becomes part of the conformance
kit's reference data, and these cases test core, not engines.
"""
import json
import pathlib
import re
import warnings

import numpy as np
import sklearn
from sklearn.metrics import (
    accuracy_score,
    adjusted_rand_score,
    classification_report,
    confusion_matrix,
    mean_squared_error,
    precision_recall_fscore_support,
    r2_score,
)
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_val_score, cross_validate, train_test_split
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

out = {"meta": {"generator": f"scikit-learn {sklearn.__version__}, scripts/sklearn-model-selection-cases.py"}}


def floats(a):
    """A float array as JSON numbers (NaN as null, which no case expects)."""
    return [None if np.isnan(v) else float(v) for v in np.asarray(a, dtype=float).ravel()]


def caught(fn):
    """fn's result and the messages of the warnings it raised."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        result = fn()
    return result, [str(x.message) for x in w]


# ---------------------------------------------------------------- metrics
num_true = [0, 1, 2, 2, 1, 0, 2, 1, 1, 0, 2, 2]
num_pred = [0, 2, 2, 2, 1, 1, 0, 1, 1, 0, 2, 1]
str_true = ["cat", "dog", "bird", "dog", "cat", "cat", "bird", "dog"]
str_pred = ["cat", "cat", "bird", "dog", "dog", "cat", "dog", "dog"]
weights = [1, 2, 0.5, 1, 1, 3, 1, 0.25, 1, 2, 1, 1]
# Class 3 is never predicted (precision 0/0) and class 4 never true (recall 0/0).
zero_true = [0, 1, 3, 3, 0, 1]
zero_pred = [0, 1, 1, 4, 0, 4]

accuracy = [
    {"yTrue": num_true, "yPred": num_pred, "options": {}, "expected": accuracy_score(num_true, num_pred)},
    {"yTrue": num_true, "yPred": num_pred, "options": {"normalize": False}, "expected": float(accuracy_score(num_true, num_pred, normalize=False))},
    {"yTrue": num_true, "yPred": num_pred, "options": {"sampleWeight": weights}, "expected": accuracy_score(num_true, num_pred, sample_weight=weights)},
    {"yTrue": num_true, "yPred": num_pred, "options": {"normalize": False, "sampleWeight": weights},
     "expected": float(accuracy_score(num_true, num_pred, normalize=False, sample_weight=weights))},
    {"yTrue": str_true, "yPred": str_pred, "options": {}, "expected": accuracy_score(str_true, str_pred)},
]

confusion = []
for yt, yp, opts in [
    (num_true, num_pred, {}),
    (str_true, str_pred, {}),
    (num_true, num_pred, {"labels": [2, 0]}),
    (num_true, num_pred, {"labels": [2, 0, 5]}),
    (num_true, num_pred, {"sampleWeight": weights}),
    (num_true, num_pred, {"normalize": "true"}),
    (num_true, num_pred, {"normalize": "pred", "sampleWeight": weights}),
    (str_true, str_pred, {"normalize": "all"}),
    (zero_true, zero_pred, {"normalize": "true"}),
]:
    m = confusion_matrix(yt, yp, labels=opts.get("labels"), sample_weight=opts.get("sampleWeight"), normalize=opts.get("normalize"))
    confusion.append({"yTrue": yt, "yPred": yp, "options": opts, "shape": list(m.shape), "expected": floats(m)})

prf = []
for yt, yp, opts in [
    (num_true, num_pred, {}),
    (num_true, num_pred, {"average": "micro"}),
    (num_true, num_pred, {"average": "macro"}),
    (num_true, num_pred, {"average": "weighted"}),
    (num_true, num_pred, {"beta": 0.5}),
    (num_true, num_pred, {"beta": 2, "average": "macro"}),
    (num_true, num_pred, {"labels": [2, 1]}),
    (num_true, num_pred, {"labels": [2, 1], "average": "macro"}),
    (str_true, str_pred, {"average": "weighted"}),
    ([0, 1, 1, 0, 1, 1], [0, 1, 0, 0, 1, 1], {"average": "binary"}),
    (["n", "y", "y", "n"], ["n", "y", "n", "y"], {"average": "binary", "posLabel": "y"}),
    (zero_true, zero_pred, {"zeroDivision": 0}),
    (zero_true, zero_pred, {"zeroDivision": 1}),
    (zero_true, zero_pred, {"zeroDivision": 1, "average": "macro"}),
    (zero_true, zero_pred, {"average": "weighted"}),
    (zero_true, zero_pred, {}),
]:
    kw = {"beta": opts.get("beta", 1.0), "labels": opts.get("labels"), "average": opts.get("average"),
          "zero_division": opts.get("zeroDivision", "warn"), "pos_label": opts.get("posLabel", 1)}
    (p, r, f, s), warned = caught(lambda: precision_recall_fscore_support(yt, yp, **kw))
    prf.append({
        "yTrue": yt, "yPred": yp, "options": opts, "warnings": warned,
        "expected": {"precision": floats(p), "recall": floats(r), "fscore": floats(f), "support": None if s is None else floats(s)},
    })

reports = []
for yt, yp, opts in [
    (num_true, num_pred, {}),
    (str_true, str_pred, {"digits": 3}),
    (zero_true, zero_pred, {}),
    ([1, 2, 3, 3], [1, 2, 3, 3], {}),
    (num_true, num_pred, {"sampleWeight": weights}),
]:
    sw = opts.get("sampleWeight")
    text = classification_report(yt, yp, digits=opts.get("digits", 2), zero_division=0, sample_weight=sw)
    as_dict = classification_report(yt, yp, output_dict=True, zero_division=0, sample_weight=sw)
    reports.append({"yTrue": yt, "yPred": yp, "options": opts, "text": text, "dict": as_dict})

regression_true = [3.0, -0.5, 2.0, 7.0, 4.25]
regression_pred = [2.5, 0.0, 2.0, 8.0, 4.0]
regression = {
    "yTrue": regression_true, "yPred": regression_pred,
    "r2": r2_score(regression_true, regression_pred),
    "mse": mean_squared_error(regression_true, regression_pred),
    "rmse": mean_squared_error(regression_true, regression_pred, squared=False),
    "sampleWeight": [1.0, 0.5, 2.0, 0.25, 3.0],
    "r2Weighted": r2_score(regression_true, regression_pred, sample_weight=[1.0, 0.5, 2.0, 0.25, 3.0]),
    "mseWeighted": mean_squared_error(regression_true, regression_pred, sample_weight=[1.0, 0.5, 2.0, 0.25, 3.0]),
    "r2ConstantPerfect": r2_score([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]),
    "r2ConstantImperfect": r2_score([2.0, 2.0, 2.0], [2.0, 2.5, 2.0]),
}

ari = []
for a, b in [
    ([0, 0, 1, 1], [0, 0, 1, 1]),
    ([0, 0, 1, 1], [1, 1, 0, 0]),
    ([0, 0, 1, 2], [0, 0, 1, 1]),
    ([0, 0, 0, 0], [0, 1, 2, 3]),
    ([0, 0, 0, 0], [5, 5, 5, 5]),
    ([0, 1, 2, 3], [0, 1, 2, 3]),
    (["a", "a", "b", "b", "c", "c", "c"], [1, 1, 1, 2, 2, 3, 3]),
    ([3, 1, 1, 2, 2, 2, 0, 0, 3, 3], [0, 0, 1, 1, 1, 2, 2, 2, 2, 0]),
    ([0], [1]),
]:
    ari.append({"labelsTrue": a, "labelsPred": b, "expected": adjusted_rand_score(a, b)})

out["metrics"] = {"accuracy": accuracy, "confusion": confusion, "prf": prf, "reports": reports, "regression": regression, "ari": ari}

# ---------------------------------------------------------------- splitters
def folds(splitter, X, y=None):
    result, warned = caught(lambda: [{"train": tr.tolist(), "test": te.tolist()} for tr, te in splitter.split(X, y)])
    return result, warned


kfold = []
for n, k in [(10, 3), (7, 5), (5, 5), (12, 4)]:
    result, _ = folds(KFold(n_splits=k), np.zeros((n, 1)))
    kfold.append({"nSamples": n, "nSplits": k, "folds": result})

stratified = []
for y, k in [
    ([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1], 3),
    (["b", "a", "b", "c", "a", "b", "c", "b", "a", "b", "c", "a", "b"], 3),
    ([2, 2, 1, 1, 1, 2, 1, 1, 2, 1, 1, 1, 2, 1], 4),
    ([1, 1, 1, 1, 1, 1, 0, 0], 3),  # class 0 has fewer members than nSplits: a warning
    ([5, 5, 5, 5, 5, 5, 5, 5, 5, 7], 2),
]:
    result, warned = folds(StratifiedKFold(n_splits=k), np.zeros((len(y), 1)), np.asarray(y))
    stratified.append({"y": y, "nSplits": k, "folds": result, "warnings": warned})

try:
    list(StratifiedKFold(n_splits=3).split(np.zeros((4, 1)), [0, 0, 1, 1]))
    raise SystemExit("expected an error")
except ValueError as e:
    stratified_error = str(e)

sizes = []
for n, opts in [
    (10, {}), (10, {"testSize": 0.33}), (10, {"trainSize": 0.33}), (7, {"testSize": 0.5}), (7, {"trainSize": 0.5}),
    (10, {"testSize": 3}), (10, {"trainSize": 4}), (10, {"testSize": 0.2, "trainSize": 0.5}), (10, {"testSize": 2, "trainSize": 3}),
    (4, {}), (3, {"testSize": 0.5}),
]:
    tr, te = train_test_split(np.arange(n), test_size=opts.get("testSize"), train_size=opts.get("trainSize"), shuffle=False)
    sizes.append({"nSamples": n, "options": opts, "train": tr.tolist(), "test": te.tolist()})

size_errors = []
for n, opts in [
    (10, {"testSize": 10}), (10, {"testSize": 0}), (10, {"testSize": 1.5}), (10, {"trainSize": -0.1}),
    (10, {"testSize": 0.6, "trainSize": 0.6}), (10, {"testSize": 6, "trainSize": 5}), (2, {"testSize": 0.99}), (3, {"testSize": 0.9}),
]:
    try:
        train_test_split(np.arange(n), test_size=opts.get("testSize"), train_size=opts.get("trainSize"), shuffle=False)
        raise SystemExit(f"expected an error for {opts}")
    except ValueError as e:
        size_errors.append({"nSamples": n, "options": opts, "message": str(e)})

out["splitters"] = {"kfold": kfold, "stratified": stratified, "stratifiedError": stratified_error, "sizes": sizes, "sizeErrors": size_errors}

# ---------------------------------------------------------------- cross-validation and grid search
# Rounded random data, so that no two distances tie (plugml and scikit-learn may break distance ties differently).
rs = np.random.RandomState(0)
Xc = np.round(np.vstack([rs.randn(14, 2) + [0, 0], rs.randn(13, 2) + [1.5, 1.5], rs.randn(9, 2) + [0, 2.5]]), 3)
yc = np.array(["a"] * 14 + ["b"] * 13 + ["c"] * 9)
order = rs.permutation(len(yc))
Xc, yc = Xc[order], yc[order]
Xr = np.round(rs.uniform(-2, 2, size=(23, 3)), 3)
yr = np.round(Xr[:, 0] * 2 - Xr[:, 1] ** 2 + 0.5 * Xr[:, 2] + rs.randn(23) * 0.3, 3)

cv_cases = []
for name, est, X, y, cv, scoring in [
    ("knn-classifier-default", KNeighborsClassifier(n_neighbors=3), Xc, yc, 5, None),
    ("knn-classifier-kfold", KNeighborsClassifier(n_neighbors=5, weights="distance"), Xc, yc, 4, "accuracy"),
    ("knn-regressor-r2", KNeighborsRegressor(n_neighbors=4), Xr, yr, 3, None),
    ("knn-regressor-mse", KNeighborsRegressor(n_neighbors=2, weights="distance"), Xr, yr, 5, "neg_mean_squared_error"),
    ("pipeline-classifier", Pipeline([("scale", StandardScaler()), ("knn", KNeighborsClassifier(n_neighbors=7))]), Xc, yc, 3, "accuracy"),
]:
    res = cross_validate(est, X, y, cv=cv, scoring=scoring, return_train_score=True)
    cv_cases.append({"name": name, "cv": cv, "scoring": scoring,
                     "testScore": floats(res["test_score"]), "trainScore": floats(res["train_score"]),
                     "crossValScore": floats(cross_val_score(est, X, y, cv=cv, scoring=scoring))})

grid = GridSearchCV(
    Pipeline([("scale", StandardScaler()), ("knn", KNeighborsClassifier())]),
    {"knn__n_neighbors": [1, 3, 5, 9], "knn__weights": ["uniform", "distance"]},
    cv=4,
)
grid.fit(Xc, yc)
# A list of grids, one of whose entries ties with another (rankTestScore "min" ranks).
grid_list = GridSearchCV(KNeighborsClassifier(), [{"n_neighbors": [3, 1]}, {"n_neighbors": [5], "weights": ["distance", "uniform"]}], cv=3)
grid_list.fit(Xc, yc)


def camel(params):
    """scikit-learn's parameter names as plugml spells them (knn__n_neighbors: knn__nNeighbors)."""
    return {re.sub(r"(?<=[a-z])_([a-z])", lambda m: m.group(1).upper(), k): v for k, v in params.items()}


def grid_results(g, n_splits):
    r = g.cv_results_
    return {
        "params": [camel(p) for p in r["params"]],
        "meanTestScore": floats(r["mean_test_score"]), "stdTestScore": floats(r["std_test_score"]),
        "rankTestScore": [int(v) for v in r["rank_test_score"]],
        "splitTestScore": [floats(r[f"split{i}_test_score"]) for i in range(n_splits)],
        "bestIndex": int(g.best_index_), "bestScore": float(g.best_score_), "bestParams": camel(g.best_params_),
    }


knn_reg = KNeighborsRegressor(n_neighbors=3).fit(Xr[:15], yr[:15])
knn_weights = np.round(rs.uniform(0.1, 2, size=8), 3)
regressor_score = {"weights": knn_weights.tolist(), "score": knn_reg.score(Xr[15:], yr[15:]), "weightedScore": knn_reg.score(Xr[15:], yr[15:], sample_weight=knn_weights)}

out["cv"] = {
    "classification": {"X": Xc.tolist(), "y": yc.tolist()},
    "regression": {"X": Xr.tolist(), "y": yr.tolist()},
    "cases": cv_cases,
    "grid": {**grid_results(grid, 4), "scoreOnTraining": float(grid.score(Xc, yc))},
    "gridList": grid_results(grid_list, 3),
    "regressorScore": regressor_score,
}


# ---------------------------------------------------------------- Pipeline
from sklearn.pipeline import make_pipeline

names = [name for name, _ in make_pipeline(StandardScaler(), "passthrough", StandardScaler(), "passthrough", StandardScaler(), KNeighborsClassifier()).steps]
pipe = Pipeline([("scale", StandardScaler()), ("skip", "passthrough"), ("knn", KNeighborsClassifier(n_neighbors=4, weights="distance"))])
pipe.fit(Xc[:30], yc[:30])
score_weights = np.round(rs.uniform(0.1, 2, size=6), 3)
scalers = Pipeline([("a", StandardScaler()), ("b", "passthrough"), ("c", StandardScaler(with_std=False))])
Xt = scalers.fit_transform(Xr)
out["pipeline"] = {
    "makePipelineNames": names,
    "classes": pipe.classes_.tolist(),
    "predictProba": pipe.predict_proba(Xc[30:]).tolist(),
    "predict": pipe.predict(Xc[30:]).tolist(),
    "scoreWeights": score_weights.tolist(),
    "score": pipe.score(Xc[30:], yc[30:]),
    "weightedScore": pipe.score(Xc[30:], yc[30:], sample_weight=score_weights),
    "fitTransform": Xt.tolist(),
    "inverseTransform": scalers.inverse_transform(np.round(Xt, 1)).tolist(),
    "inverseTransformInput": np.round(Xt, 1).tolist(),
    "deepParamNames": sorted(k for k in Pipeline([("scale", StandardScaler()), ("knn", KNeighborsClassifier())]).get_params(deep=True) if "__" in k),
}


# ---------------------------------------------------------------- docs/model-selection.md
# The doc splits iris with plugml's trainTestSplit(..., { testSize: 0.2, stratify: y, randomState: 42 }). plugml's
# generator is xoshiro128** (not numpy's Mersenne Twister), so the split is reproduced here with a port of
# RandomState (packages/core/src/validation/random-state.ts) and scikit-learn's StratifiedShuffleSplit algorithm;
# scikit-learn then fits and scores on exactly those rows.
M32 = 0xFFFFFFFF


class Xoshiro:
    def __init__(self, seed):
        x = seed

        def nxt():
            nonlocal x
            x = (x + 0x9E3779B9) & M32
            z = x
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
            return (z ^ (z >> 16)) & M32

        self.s = [nxt(), nxt(), nxt(), nxt()]
        if not any(self.s):
            self.s[0] = 1

    def uint32(self):
        s0, s1, s2, s3 = self.s
        rotl = lambda v, k: ((v << k) | (v >> (32 - k))) & M32
        result = (rotl((s1 * 5) & M32, 7) * 9) & M32
        t = (s1 << 9) & M32
        n2, n3 = s2 ^ s0, s3 ^ s1
        self.s = [s0 ^ n3, s1 ^ n2, n2 ^ t, rotl(n3, 11)]
        return result

    def rand_int(self, n):
        limit = 2**32 - (2**32 % n)
        r = self.uint32()
        while r >= limit:
            r = self.uint32()
        return r % n

    def permutation(self, n):
        out = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.rand_int(i + 1)
            out[i], out[j] = out[j], out[i]
        return out


iris_rows = [line.split(",") for line in (pathlib.Path(__file__).parent.parent / "data" / "iris.csv").read_text().strip().split("\n")[1:]]
iris_X = np.array([[float(v) for v in row[:4]] for row in iris_rows])
iris_y = np.array([row[4] for row in iris_rows])
classes, y_indices = np.unique(iris_y, return_inverse=True)
counts = np.bincount(y_indices)
n_test = int(np.ceil(0.2 * len(iris_y)))
n_train = len(iris_y) - n_test
# Class counts (50 each) divide both sizes exactly, so _approximate_mode draws nothing from the generator here.
n_i = np.floor(counts / counts.sum() * n_train).astype(int)
t_i = np.floor((counts - n_i) / (counts - n_i).sum() * n_test).astype(int)
assert n_i.sum() == n_train and t_i.sum() == n_test
rng = Xoshiro(42)
class_indices = np.split(np.argsort(y_indices, kind="mergesort"), np.cumsum(counts)[:-1])
train, test = [], []
for i in range(len(classes)):
    perm = class_indices[i][rng.permutation(counts[i])]
    train.extend(perm[: n_i[i]].tolist())
    test.extend(perm[n_i[i] : n_i[i] + t_i[i]].tolist())
train = [train[j] for j in rng.permutation(len(train))]
test = [test[j] for j in rng.permutation(len(test))]

doc_grid = GridSearchCV(
    Pipeline([("scale", StandardScaler()), ("knn", KNeighborsClassifier())]),
    {"knn__n_neighbors": [1, 3, 5, 7, 9, 11, 15], "knn__weights": ["uniform", "distance"]},
    cv=5,
)
doc_grid.fit(iris_X[train], iris_y[train])
doc_pred = doc_grid.predict(iris_X[test])
out["doc"] = {
    "train": train, "test": test,
    **grid_results(doc_grid, 5),
    "testAccuracy": accuracy_score(iris_y[test], doc_pred),
    "predictions": doc_pred.tolist(),
    "report": classification_report(iris_y[test], doc_pred),
}

target = pathlib.Path(__file__).parent.parent / "packages" / "core" / "test" / "fixtures" / "sklearn-model-selection.json"
target.parent.mkdir(exist_ok=True)
target.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {target}")
