// engine-webgpu does not implement the optional radiusNeighbors hook yet: a model it fitted (training set on the
// device) hands radius queries and radiusNeighborsGraph to the next engine of the current choice, which reads the
// training set back and gives engine-cpu's exact answer; kneighborsGraph runs on the device's kneighbors.
import { NearestNeighbors } from "@plugml/core";
import { describeWebGPU } from "./adapter.js";
import { blobs, registerVariant } from "./helpers.js";

const gpu = registerVariant("webgpu", { minElements: 0 });

describeWebGPU("radius queries of a model fitted on WebGPU", () => {
  it("run on engine-cpu, exactly as a model fitted there", async () => {
    const X = blobs(500, 6, 4, 2);
    const Q = blobs(40, 6, 4, 3);
    const wg = await new NearestNeighbors({ radius: 3, nNeighbors: 4 }).setComputationalEngine([gpu, "cpu"]).fit(X);
    const cpu = await new NearestNeighbors({ radius: 3, nNeighbors: 4 }).setComputationalEngine("cpu", { fallback: false }).fit(X);
    const plain = (r: { indices: Int32Array[]; distances: ArrayLike<number>[] }) => ({ i: r.indices.map((x) => Array.from(x)), d: r.distances.map((x) => Array.from(x)) });
    // About ten neighbours per query: the first query's 10th nearest distance.
    const radius = (await cpu.kneighbors(Q, { nNeighbors: 10 })).distances.get(0, 9) + 1e-3;
    const found = await wg.radiusNeighbors(Q, { radius, sortResults: true });
    expect(plain(found)).toEqual(plain(await cpu.radiusNeighbors(Q, { radius, sortResults: true })));
    expect(found.indices[0].length).toBeGreaterThanOrEqual(10);
    const trace = wg.engineTrace_.filter((e) => e.hook === "radiusNeighbors").map((e) => `${e.engine}:${e.outcome}`);
    expect(trace).toEqual(["webgpu:declined", "cpu:ran"]);
    const graph = await wg.radiusNeighborsGraph(undefined, { radius, mode: "connectivity" });
    expect(Array.from(graph.indptr)).toEqual(Array.from((await cpu.radiusNeighborsGraph(undefined, { radius })).indptr));
    const knn = await wg.kneighborsGraph(Q);
    expect(wg.engineTrace_.at(-1)?.engine).toBe("webgpu");
    expect(Array.from(knn.indices)).toEqual(Array.from((await cpu.kneighborsGraph(Q)).indices));
  });
});
