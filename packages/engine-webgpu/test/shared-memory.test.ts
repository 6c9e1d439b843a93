// Inputs backed by a SharedArrayBuffer (what worker-based code hands around) reach the device: Dawn's writeBuffer
// refuses views of shared memory, so the engine copies them, records the copy, and answers as for ordinary arrays.
import { KMeans, KNeighborsClassifier, KNeighborsRegressor, Matrix, NearestNeighbors, StandardScaler, type TraceEntry } from "@plugml/core";
import { describeWebGPU } from "./adapter.js";
import { blobs, registerVariant } from "./helpers.js";

const engine = registerVariant("webgpu-shared", { minElements: 0 });
const on = <E extends { setComputationalEngine(e: string, o: object): E }>(e: E) => e.setComputationalEngine(engine, { fallback: false });

/** The same values in a Float32Array or Float64Array view of a SharedArrayBuffer. */
function shared<T extends Float32Array | Float64Array>(data: T): T {
  const view = new (data.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(data.byteLength));
  view.set(data);
  return view;
}
const sharedMatrix = (X: Matrix) => new Matrix(shared(X.data as Float32Array), X.rows, X.cols);
const copies = (trace: TraceEntry[]) => trace.flatMap((e) => e.conversions).filter((c) => c.includes("SharedArrayBuffer"));

describeWebGPU("SharedArrayBuffer inputs", () => {
  const X = blobs(800, 4, 3);
  const Xs = sharedMatrix(X);
  const Q = blobs(100, 4, 3, 1);
  const Qs = sharedMatrix(Q);
  expect(Xs.data.buffer).toBeInstanceOf(SharedArrayBuffer);

  it("StandardScaler fit, transform and inverseTransform", async () => {
    const [a, b] = [await on(new StandardScaler()).fit(X), await on(new StandardScaler()).fit(Xs)];
    expect(Array.from(b.var_!)).toEqual(Array.from(a.var_!));
    expect(Array.from((await b.transform(Qs)).data)).toEqual(Array.from((await a.transform(Q)).data));
    expect(Array.from((await b.inverseTransform(Qs)).data)).toEqual(Array.from((await a.inverseTransform(Q)).data));
    expect(copies(b.engineTrace_)).toEqual(["X SharedArrayBuffer -> copy", "X SharedArrayBuffer -> copy", "X SharedArrayBuffer -> copy"]);
  });

  it("KMeans fit (with shared initial centers and weights), predict, transform and score", async () => {
    const init = new Matrix(shared(Float32Array.from(X.data.subarray(0, 12))), 3, 4);
    const sampleWeight = shared(Float64Array.from({ length: X.rows }, (_, i) => 1 + (i % 3)));
    const a = await on(new KMeans({ nClusters: 3, init: new Matrix(Float32Array.from(init.data), 3, 4) })).fit(X, undefined, { sampleWeight: Float64Array.from(sampleWeight) });
    const b = await on(new KMeans({ nClusters: 3, init })).fit(Xs, undefined, { sampleWeight });
    expect(Array.from(b.labels_)).toEqual(Array.from(a.labels_));
    expect(Array.from(b.clusterCenters_.data)).toEqual(Array.from(a.clusterCenters_.data));
    expect(Array.from(await b.predict(Qs))).toEqual(Array.from(await a.predict(Q)));
    expect(Array.from((await b.transform(Qs)).data)).toEqual(Array.from((await a.transform(Q)).data));
    expect(await b.score(Qs)).toBe(await a.score(Q));
    expect(copies(b.engineTrace_)).toContain("X SharedArrayBuffer -> copy");
  });

  it("neighbours: fit, kneighbors, predict and predictProba", async () => {
    const labels = Array.from({ length: X.rows }, (_, i) => i % 3);
    const targets = Array.from({ length: X.rows }, (_, i) => Math.sin(i));
    const nn = [await on(new NearestNeighbors({ nNeighbors: 4 })).fit(X), await on(new NearestNeighbors({ nNeighbors: 4 })).fit(Xs)];
    expect(Array.from((await nn[1].kneighbors(Qs)).indices.data)).toEqual(Array.from((await nn[0].kneighbors(Q)).indices.data));
    const clf = [await on(new KNeighborsClassifier({ nNeighbors: 4 })).fit(X, labels), await on(new KNeighborsClassifier({ nNeighbors: 4 })).fit(Xs, labels)];
    expect(await clf[1].predict(Qs)).toEqual(await clf[0].predict(Q));
    expect(Array.from((await clf[1].predictProba(Qs)).data)).toEqual(Array.from((await clf[0].predictProba(Q)).data));
    const reg = [await on(new KNeighborsRegressor({ nNeighbors: 4 })).fit(X, targets), await on(new KNeighborsRegressor({ nNeighbors: 4 })).fit(Xs, targets)];
    expect(Array.from(await reg[1].predict(Qs))).toEqual(Array.from(await reg[0].predict(Q)));
    expect(copies(nn[1].engineTrace_)).toEqual(["X SharedArrayBuffer -> copy", "X SharedArrayBuffer -> copy"]);
  });
});
