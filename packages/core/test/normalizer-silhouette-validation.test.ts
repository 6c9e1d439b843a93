// Input rules of Normalizer and of the silhouette functions, checked before any engine is asked.
import { addTraceListener, Normalizer, registerEngine, silhouetteScore, unregisterEngine, ValidationError, withConfig } from "@plugml/core";

test("Normalizer: norm is one of l1, l2, max; fit records nFeaturesIn_ only and toJSON saves nothing else", async () => {
  expect(() => new Normalizer({ norm: "l3" as "l2" })).toThrow(ValidationError);
  const normalizer = await new Normalizer({ norm: "max" }).fit([[1, -2, 3]]);
  expect(normalizer.nFeaturesIn_).toBe(3);
  const saved = normalizer.toJSON();
  expect(saved.params).toEqual({ norm: "max" });
  expect(saved.fitted).toEqual({ engine: "cpu", nFeaturesIn: 3 });
  await expect(normalizer.transform([[1, 2]])).rejects.toThrow(ValidationError);
  expect(Array.from((await Normalizer.fromJSON(JSON.parse(JSON.stringify(saved))).transform([[1, -2, 4]])).data)).toEqual([0.25, -0.5, 1]);
});

test("silhouetteScore: labels of n values, a known metric, an integer sampleSize", async () => {
  const X = [[0], [1], [5], [6]];
  await expect(silhouetteScore(X, [0, 1, 0])).rejects.toThrow(ValidationError);
  await expect(silhouetteScore(X, [0, 0, 1, 1], { metric: "minkowski" as "euclidean" })).rejects.toThrow(ValidationError);
  await expect(silhouetteScore(X, [0, 0, 1, 1], { sampleSize: 1.5 })).rejects.toThrow(ValidationError);
  await expect(silhouetteScore([[0], [Number.NaN]], [0, 1])).rejects.toThrow(ValidationError);
});

test("metrics.clusterDistanceSums dispatch: an engine of engine API 1.2 without metrics is passed over, traced", async () => {
  registerEngine({
    name: "api-1-2",
    version: "1.0.0",
    coreApi: "^1.2.0",
    estimators: { StandardScaler: { fit: () => ({}), transform: () => undefined, inverseTransform: () => undefined } },
  });
  const entries: { engine: string; outcome: string; reason?: string; estimator: string }[] = [];
  const stop = addTraceListener((e) => entries.push(e));
  try {
    const score = await withConfig({ engines: ["api-1-2", "cpu"] }, () => silhouetteScore([[0], [1], [10], [11]], [0, 0, 1, 1]));
    // scikit-learn: silhouette_score([[0], [1], [10], [11]], [0, 0, 1, 1]) = 0.899749373433584
    expect(score).toBeCloseTo(0.899749373433584, 15);
  } finally {
    stop();
    await unregisterEngine("api-1-2");
  }
  expect(entries.map((e) => [e.estimator, e.engine, e.outcome, e.reason])).toEqual([
    ["metrics", "api-1-2", "declined", "does not implement metrics"],
    ["metrics", "cpu", "ran", undefined],
  ]);
});

test("silhouetteSamples: an aborted signal rejects with AbortError", async () => {
  const controller = new AbortController();
  controller.abort();
  const error = await silhouetteScore([[0], [1], [10], [11]], [0, 0, 1, 1], { signal: controller.signal }).catch((e: Error) => e);
  expect((error as Error).name).toBe("AbortError");
});
