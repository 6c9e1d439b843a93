// Input rules of Normalizer and of the silhouette functions, checked before any engine is asked.
import { Normalizer, silhouetteScore, ValidationError } from "@plugml/core";

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
