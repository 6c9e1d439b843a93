// The radiusNeighbors result contract: results an engine gets wrong (lengths, dtypes, range, the query itself,
// beyond the radius, order) are EngineContractErrors naming the engine, never passed on; an engine without the
// optional hook hands the call to the next candidate.
import { EngineContractError, NearestNeighbors, registerEngine, unregisterEngine, type RadiusNeighborsResult } from "@plugml/core";
import { altEngine } from "./engines.js";

const X = [[0], [1], [3]];
const f64 = (...v: number[]) => Float64Array.from(v);
const i32 = (...v: number[]) => Int32Array.from(v);

async function violation(result: RadiusNeighborsResult, query?: number[][], sortResults = false): Promise<string> {
  registerEngine(altEngine("bad-radius", { NearestNeighbors: { radiusNeighbors: () => result } as never }));
  try {
    const nn = await new NearestNeighbors({ radius: 1.5 }).setComputationalEngine("bad-radius", { fallback: false }).fit(X);
    const error = await nn.radiusNeighbors(query, { sortResults }).then(() => undefined, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(EngineContractError);
    return error!.message.replace('Engine "bad-radius" returned a malformed result from NearestNeighbors.radiusNeighbors: ', "");
  } finally {
    await unregisterEngine("bad-radius");
  }
}

describe("radiusNeighbors contract", () => {
  it("rejects malformed results with what is wrong", async () => {
    expect(await violation({ distances: [f64()], indices: [i32()] }, [[0], [1]])).toBe(
      "radiusNeighbors must return 2 distance and index arrays (one per query), got 1 and 1.",
    );
    expect(await violation({ distances: [f64(1, 0)], indices: [i32(0)] }, [[1]])).toBe("distances[0] must be a Float32Array or Float64Array of 1 values, got Float64Array(2).");
    expect(await violation({ distances: [f64(0)], indices: [i32(3)] }, [[1]])).toBe("indices[0][0] is 3, outside the 3 training samples.");
    expect(await violation({ distances: [f64(2)], indices: [i32(2)] }, [[1]])).toBe("distances[0][0] is 2, beyond the radius 1.5.");
    expect(await violation({ distances: [f64(0, 1)], indices: [i32(1, 0)] }, [[1]])).toBe(
      "neighbours of query 0 are out of order at 1: unsorted results go by strictly ascending index.",
    );
    expect(await violation({ distances: [f64(1, 0)], indices: [i32(0, 1)] }, [[1]], true)).toBe(
      "neighbours of query 0 are out of order at 1: sorted results go nearest first.",
    );
    expect(await violation({ distances: [f64(0), f64(), f64()], indices: [i32(0), i32(), i32()] })).toBe(
      "indices[0] contains the query itself, which is left out of its own neighbours.",
    );
    expect(await violation({ distances: [f64(NaN)], indices: [i32(0)] }, [[1]])).toBe("distances[0] contains NaN at index 0 for finite input.");
  });

  it("an engine without the optional hook passes the call on", async () => {
    const { radiusNeighbors: _, ...withoutRadius } = altEngine("no-radius").estimators.NearestNeighbors!;
    registerEngine({ ...altEngine("no-radius"), estimators: { NearestNeighbors: withoutRadius } });
    try {
      const nn = await new NearestNeighbors({ radius: 1 }).setComputationalEngine(["no-radius", "cpu"]).fit(X);
      expect((await nn.radiusNeighbors([[0.5]])).indices.map((r) => Array.from(r))).toEqual([[0, 1]]);
      expect(nn.engineTrace_.filter((e) => e.hook === "radiusNeighbors").map((e) => `${e.engine}:${e.outcome}`)).toEqual(["no-radius:declined", "cpu:ran"]);
    } finally {
      await unregisterEngine("no-radius");
    }
  });
});
