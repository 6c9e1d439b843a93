// Core's side of "no wrong answer": results checked against their contracts (the engine is blamed), device losses
// handed on, models as snapshots, options honoured or rejected, warnings, and cancellation of k-means++.
import { afterEach, describe, expect, it } from "@jest/globals";
import {
  AbortError,
  ConvergenceWarning,
  DeviceLostError,
  EngineContractError,
  KMeans,
  KNeighborsClassifier,
  KNeighborsRegressor,
  Matrix,
  NearestNeighbors,
  ParameterWarning,
  StandardScaler,
  ValidationError,
  addWarningListener,
  kmeansPlusPlusAsync,
  RandomState,
  registerEngine,
  unregisterEngine,
  type PlugmlWarning,
} from "@plugml/core";
import { altEngine, brief, X } from "./engines.js";
import { rejection } from "./helpers.js";
import { kmeansPlusPlusIndices } from "../src/estimators/kmeans-init.js";

const registered: string[] = [];
function engine(name: string, overrides: Parameters<typeof altEngine>[1]): void {
  registerEngine(altEngine(name, overrides));
  registered.push(name);
}
afterEach(async () => {
  for (const name of registered.splice(0)) await unregisterEngine(name);
});

const y = [0, 0, 0, 1, 1, 1];

describe("results that break their contract are the engine's error", () => {
  const lies: [string, () => Promise<unknown>, string][] = [
    [
      "KNeighborsClassifier.predict with 3 codes for 1 row",
      async () => {
        engine("lies-predict", { KNeighborsClassifier: { predict: () => new Int32Array([0, 1, 0]) } as never });
        const clf = await new KNeighborsClassifier({ nNeighbors: 1 }).setComputationalEngine("lies-predict").fit(X, y);
        return clf.predict([[0, 0]]);
      },
      'Engine "lies-predict" returned a malformed result from KNeighborsClassifier.predict: class codes must be an Int32Array of 1 values, got Int32Array(3).',
    ],
    [
      "StandardScaler.transform with a 1 x 5 float32 matrix for 2 x 2 float64 input",
      async () => {
        engine("lies-transform", { StandardScaler: { transform: () => Matrix.zeros(1, 5, "float32") } as never });
        const scaler = await new StandardScaler().setComputationalEngine("lies-transform").fit(X);
        return scaler.transform([[0, 0], [1, 1]]);
      },
      'Engine "lies-transform" returned a malformed result from StandardScaler.transform: the transformed X must be a 2 x 2 float64 matrix, got a 1 x 5 float32 Matrix.',
    ],
    [
      "kneighbors with k = 2 when 4 were asked",
      async () => {
        engine("lies-k", {
          NearestNeighbors: { kneighbors: () => ({ distances: Matrix.zeros(1, 2), indices: new Int32Array([0, 1]) }) } as never,
        });
        const nn = await new NearestNeighbors({ nNeighbors: 4 }).setComputationalEngine("lies-k").fit(X);
        return nn.kneighbors([[0, 0]]);
      },
      'Engine "lies-k" returned a malformed result from NearestNeighbors.kneighbors: distances must be a 1 x 4 matrix, got a 1 x 2 float64 Matrix.',
    ],
    [
      "kneighbors with an index outside the training set",
      async () => {
        engine("lies-index", {
          NearestNeighbors: { kneighbors: () => ({ distances: Matrix.zeros(1, 1), indices: new Int32Array([330382100]) }) } as never,
        });
        const nn = await new NearestNeighbors({ nNeighbors: 1 }).setComputationalEngine("lies-index").fit(X);
        return nn.kneighbors([[0, 0]]);
      },
      'Engine "lies-index" returned a malformed result from NearestNeighbors.kneighbors: indices[0] is 330382100, outside the 6 training samples.',
    ],
    [
      "KMeans labels of 99",
      async () => {
        engine("lies-labels", { KMeans: { postFit: (ctx: { fitResult: object }) => ({ ...ctx.fitResult, labels: new Int32Array(6).fill(99) }) } as never });
        return new KMeans({ nClusters: 2, randomState: 0 }).setComputationalEngine("lies-labels").fit(X);
      },
      'Engine "lies-labels" returned a malformed result from KMeans.postFit: labels[0] is 99, outside [0, 2).',
    ],
    [
      "KMeans nIter of -5",
      async () => {
        engine("lies-niter", { KMeans: { postFit: (ctx: { fitResult: object }) => ({ ...ctx.fitResult, nIter: -5 }) } as never });
        return new KMeans({ nClusters: 2, randomState: 0 }).setComputationalEngine("lies-niter").fit(X);
      },
      'Engine "lies-niter" returned a malformed result from KMeans.postFit: nIter must be an integer in [1, maxIter=300], got -5.',
    ],
    [
      "KMeans NaN centers for finite input",
      async () => {
        engine("lies-nan", {
          KMeans: { postFit: (ctx: { fitResult: object }) => ({ ...ctx.fitResult, clusterCenters: new Matrix(new Float64Array(4).fill(NaN), 2, 2) }) } as never,
        });
        return new KMeans({ nClusters: 2, randomState: 0 }).setComputationalEngine("lies-nan").fit(X);
      },
      'Engine "lies-nan" returned a malformed result from KMeans.postFit: clusterCenters contains NaN at index 0 for finite input.',
    ],
    [
      "StandardScaler negative variance",
      async () => {
        engine("lies-var", {
          StandardScaler: { postFit: () => ({ mean: new Float64Array(2), var: new Float64Array([1, -5.6e-92]), nSamplesSeen: 6 }) } as never,
        });
        return new StandardScaler().setComputationalEngine("lies-var").fit(X);
      },
      'Engine "lies-var" returned a malformed result from StandardScaler.postFit: var[1] is negative (-5.6e-92).',
    ],
    [
      // Used to surface as "y has 2 values but X has 1 sample", blaming the user's y.
      "KNeighborsRegressor.predict too short, seen through score",
      async () => {
        engine("lies-short", { KNeighborsRegressor: { predict: () => new Float64Array(1) } as never });
        const reg = await new KNeighborsRegressor({ nNeighbors: 1 }).setComputationalEngine("lies-short").fit(X, y);
        return reg.score([[0, 0], [9, 9]], [0, 1]);
      },
      'Engine "lies-short" returned a malformed result from KNeighborsRegressor.predict: predictions must be a Float64Array of 2 values, got Float64Array(1).',
    ],
  ];
  it.each(lies)("%s", async (_what, call, message) => {
    const error = await rejection(call());
    expect(error).toBeInstanceOf(EngineContractError);
    expect(error.message).toBe(message);
  });

  it("a failed contract leaves the previous model in place", async () => {
    engine("lies-once", { KMeans: { postFit: (ctx: { fitResult: object }) => ({ ...ctx.fitResult, nIter: 0 }) } as never });
    const km = await new KMeans({ nClusters: 2, randomState: 0 }).fit(X);
    const before = km.clusterCenters_;
    await rejection(km.setComputationalEngine("lies-once").fit([[5, 5], [6, 6], [7, 7]]));
    expect(km.clusterCenters_).toBe(before);
  });
});

describe("a lost device is a fault, handed to the next engine", () => {
  const lose = () => {
    throw new DeviceLostError("lossy", "destroyed: injected by the test");
  };

  it("fit falls back to cpu and the trace records the fault", async () => {
    engine("lossy", { KMeans: { fit: lose } as never });
    const km = await new KMeans({ nClusters: 2, randomState: 0 }).setComputationalEngine("lossy").fit(X);
    expect(km.engineUsed_).toBe("cpu");
    // lossy runs the cpu engine's init; only its fit loses the device.
    expect(brief(km.engineTrace_)).toEqual([
      "init:lossy:ran",
      "prepareFit:lossy:ran",
      "fit:lossy:fault",
      "prepareFit:cpu:ran",
      "fit:cpu:ran",
      "postFit:cpu:ran",
    ]);
    expect(km.engineTrace_[2].reason).toBe("DeviceLostError: The lossy engine's device was lost (destroyed: injected by the test).");
    expect(Array.from(km.clusterCenters_.data).sort()).toEqual([1 / 3, 1 / 3, 28 / 3, 28 / 3].map((v) => expect.closeTo(v, 12)));
  });

  it("without fallback the call rejects with the DeviceLostError itself, not a decline or an AbortError", async () => {
    engine("lossy", { KMeans: { fit: lose } as never });
    const error = await rejection(new KMeans({ nClusters: 2 }).setComputationalEngine("lossy", { fallback: false }).fit(X));
    expect(error).toBeInstanceOf(DeviceLostError);
    expect(error.name).toBe("DeviceLostError");
    expect((error as DeviceLostError).reason).toBe("destroyed: injected by the test");
  });

  it("a model hook falls back too", async () => {
    engine("lossy", { KMeans: { predict: lose } as never });
    const km = await new KMeans({ nClusters: 2, randomState: 0 }).setComputationalEngine("lossy").fit(X);
    const labels = await km.predict([[0, 0], [9, 9]]);
    expect(km.engineUsed_).toBe("cpu");
    expect(labels[0]).not.toBe(labels[1]);
    expect(brief(km.engineTrace_.slice(-2))).toEqual(["predict:lossy:fault", "predict:cpu:ran"]);
  });
});

describe("fitted models are snapshots", () => {
  it("a refit during an in-flight predict does not relabel that predict's results", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Holds predict until the refit has landed: the timing this test is about, made deterministic.
    engine("slow", {
      KNeighborsClassifier: {
        predict: async (ctx: never) => {
          await gate;
          const { cpuEngine } = await import("@plugml/engine-cpu");
          return cpuEngine.estimators.KNeighborsClassifier!.predict(ctx);
        },
      } as never,
    });
    const clf = await new KNeighborsClassifier({ nNeighbors: 1 }).setComputationalEngine("slow").fit(X, ["a", "a", "a", "b", "b", "b"]);
    const pending = clf.predict([[0, 0], [9, 9]]);
    await clf.fit([[0, 0]], ["z"]);
    release();
    expect(await pending).toEqual(["a", "b"]);
    expect(await clf.predict([[9, 9]])).toEqual(["z"]);
  });

  it("a neighbours model does not alias the caller's Float32Array", async () => {
    const data = new Float32Array([0, 0, 10, 10]);
    const nn = await new NearestNeighbors({ nNeighbors: 1 }).fit(new Matrix(data, 2, 2));
    data.fill(500);
    const { indices, distances } = await nn.kneighbors([[10, 10]]);
    expect(indices.toArray()).toEqual([[1]]);
    expect(distances.data[0]).toBe(0);
  });
});

describe("every option is honoured or rejected", () => {
  it("an options object where y goes is a ValidationError", async () => {
    for (const est of [new KMeans({ nClusters: 2 }), new StandardScaler(), new NearestNeighbors({ nNeighbors: 1 })]) {
      const error = await rejection(est.fit(X, { sampleWeight: [1, 1, 1, 1, 1, 100] } as never));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toMatch(/^\w+\.fit: the second argument is y, which this estimator ignores, but an options object was passed there \(keys: sampleWeight\)/);
    }
    // y as scikit-learn would ignore it still works.
    await new KMeans({ nClusters: 2, randomState: 0 }).fit(X, y);
  });

  it("the neighbour estimators reject sampleWeight instead of ignoring it", async () => {
    const error = await rejection(new KNeighborsClassifier().fit(X, y, { sampleWeight: [1, 1, 1, 1, 1, 1] }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe("KNeighborsClassifier.fit: sampleWeight is not supported by this estimator (scikit-learn's has no sample_weight either).");
    await expect(new KNeighborsRegressor().fit(X, y, { sampleWeight: [1, 1, 1, 1, 1, 1] })).rejects.toThrow(ValidationError);
    await expect(new NearestNeighbors().fit(X, undefined, { sampleWeight: [1, 1, 1, 1, 1, 1] })).rejects.toThrow(ValidationError);
  });

  it("StandardScaler honours sampleWeight (weighted mean and variance, nSamplesSeen = sum of weights)", async () => {
    const data = [[1, 2], [3, 4], [10, 20], [11, 13]];
    const w = [1, 1, 5, 0.5];
    const scaler = await new StandardScaler().fit(data, undefined, { sampleWeight: w });
    const W = 7.5;
    const mean = [(1 + 3 + 50 + 5.5) / W, (2 + 4 + 100 + 6.5) / W];
    const variance = [0, 1].map((j) => data.reduce((s, row, i) => s + w[i] * (row[j] - mean[j]) ** 2, 0) / W);
    expect(Array.from(scaler.mean_!)).toEqual(mean.map((m) => expect.closeTo(m, 12)));
    expect(Array.from(scaler.var_!)).toEqual(variance.map((v) => expect.closeTo(v, 10)));
    expect(scaler.nSamplesSeen_).toBe(W);
  });

  it("KMeans sample weights up to float64's maximum give finite centers, the same as weights scaled down", async () => {
    const data = [[0, 0], [0, 1], [1, 0], [9, 9], [9, 10], [10, 9]];
    const big = [1e308, 1e308, 5e307, 1e308, 2e307, 1e308];
    const small = big.map((w) => w / 1e300);
    const init = [[0, 0], [9, 9]];
    const a = await new KMeans({ nClusters: 2, init }).fit(data, undefined, { sampleWeight: big });
    const b = await new KMeans({ nClusters: 2, init }).fit(data, undefined, { sampleWeight: small });
    expect(Array.from(a.clusterCenters_.data).every(Number.isFinite)).toBe(true);
    expect(Array.from(a.clusterCenters_.data)).toEqual(Array.from(b.clusterCenters_.data).map((v) => expect.closeTo(v, 12)));
    expect(a.clusterCenters_.get(0, 1)).toBeCloseTo(1 / 2.5, 12);
    expect(a.inertia_ / b.inertia_).toBeCloseTo(1e300, -288);
    expect(Number.isFinite(await a.score(data, undefined, { sampleWeight: big }))).toBe(true);
  });
});

describe("warnings", () => {
  const collect = () => {
    const seen: PlugmlWarning[] = [];
    const stop = addWarningListener((w) => seen.push(w));
    return { seen, stop };
  };

  it("explicit init with nInit > 1 runs once and says so, as scikit-learn does", async () => {
    const { seen, stop } = collect();
    try {
      const km = await new KMeans({ nClusters: 2, init: [[0, 0], [9, 9]], nInit: 10 }).fit(X);
      expect(km.warnings_.map(String)).toEqual([
        "ParameterWarning: KMeans.fit: Explicit initial center position passed: performing only one init instead of nInit=10.",
      ]);
      expect(km.warnings_[0]).toBeInstanceOf(ParameterWarning);
      expect(seen).toEqual(km.warnings_);
    } finally {
      stop();
    }
  });

  it("fewer distinct points than clusters is a ConvergenceWarning", async () => {
    const { seen, stop } = collect();
    try {
      const km = await new KMeans({ nClusters: 4, randomState: 0 }).fit([[1, 1], [1, 1], [2, 2], [2, 2], [3, 3]]);
      expect(km.warnings_).toHaveLength(1);
      expect(km.warnings_[0]).toBeInstanceOf(ConvergenceWarning);
      expect(km.warnings_[0].message).toBe("Number of distinct clusters (3) found smaller than nClusters (4). Possibly due to duplicate points in X.");
      expect(seen).toHaveLength(1);
      // A clean fit clears them.
      await km.fit([[1, 1], [2, 2], [3, 3], [4, 4]]);
      expect(km.warnings_).toEqual([]);
    } finally {
      stop();
    }
  });
});

describe("k-means++ initialisation can be cancelled and does not block the event loop", () => {
  it("an abort during k-means++ rejects within a few milliseconds, and timers fire meanwhile", async () => {
    const rows = 60_000;
    const cols = 16;
    const data = new Float64Array(rows * cols);
    for (let i = 0; i < data.length; i++) data[i] = (Math.sin(i * 12.9898) * 43758.5453) % 1;
    const X = new Matrix(data, rows, cols);
    let start = performance.now();
    await kmeansPlusPlusAsync(X, 64, new RandomState(0));
    const fullInit = performance.now() - start;

    const controller = new AbortController();
    let abortedAt = 0;
    // A timer due at once: it can only fire while the fit runs if initialisation yields to the event loop.
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort();
    }, 0);
    const km = new KMeans({ nClusters: 64, randomState: 0 });
    start = performance.now();
    const error = await rejection(km.fit(X, undefined, { signal: controller.signal }));
    const latency = performance.now() - abortedAt;
    // An AbortError at all means the timer fired while the fit ran: initialisation yielded to the event loop.
    expect(error).toBeInstanceOf(AbortError);
    expect(abortedAt).toBeGreaterThan(start);
    // Relative to a full initialisation measured just before, so that a loaded machine slows both alike.
    expect(latency).toBeLessThan(fullInit / 2);
    expect(() => km.labels_).toThrow("not fitted");
  });
});

describe("StandardScaler near float64's maximum", () => {
  it("a variance beyond float64 still gives the representable standard deviation as scale", async () => {
    const scaler = await new StandardScaler().fit([[1.5e308], [-1.5e308], [1.5e308], [-1.5e308]]);
    expect(scaler.mean_![0]).toBe(0);
    expect(scaler.var_![0]).toBe(Infinity);
    expect(scaler.scale_![0]).toBe(1.5e308);
    expect(Array.from((await scaler.transform([[1.5e308], [-0.75e308]])).data)).toEqual([1, -0.5]);
  });

  it("the constant-column guard does not overflow: a spread column near the maximum is scaled, not left alone", async () => {
    const scaler = await new StandardScaler().fit([[1e308], [5e307]]);
    expect(scaler.scale_![0]).toBeCloseTo(2.5e307, -295);
    expect(Array.from((await scaler.transform([[1e308], [5e307]])).data)).toEqual([1, -1].map((v) => expect.closeTo(v, 12)));
  });
});

describe("subnormal data", () => {
  it("a constant column of subnormals is constant: scale 1 and a transform of 0, not 0/0", async () => {
    const scaler = await new StandardScaler().fit([[5e-324, 1], [5e-324, 2]]);
    expect(Array.from(scaler.scale_!)).toEqual([1, 0.5]);
    expect(Array.from((await scaler.transform([[5e-324, 1]])).data)).toEqual([0, -1]);
  });

  it("k-means++ on subnormal data picks the rows it picks on the same data scaled up exactly", () => {
    const tiny = Float64Array.from([1e-320, 0, 2e-320, 0, 0, 3e-320, 5e-321, 1e-321, 2.5e-320, 2.5e-320]);
    const big = tiny.map((v) => v * 2 ** 1000);
    const picks = (data: Float64Array) => Array.from(kmeansPlusPlusIndices(new Matrix(data, 5, 2), 3, new RandomState(7)));
    expect(picks(tiny)).toEqual(picks(big));
  });
});
