// Fault injection: the engine's device is destroyed before or during a call. Every hook then rejects with core's
// DeviceLostError carrying device.lost's reason (never the bare DOMException "AbortError" a lost device gives
// mapAsync, which would read as a user's cancel); with fallback on, core hands the call to the CPU and traces the
// loss; the next call gets a fresh device and is correct.
import { DeviceLostError, KMeans, NearestNeighbors, StandardScaler, type TraceEntry } from "@plugml/core";
import { WebGPUMatrix } from "@plugml/engine-webgpu";
import { requireDevice } from "../src/device.js";
import { describeWebGPU } from "./adapter.js";
import { blobs, faultAtSubmit, registerVariant, slowDown, uniform } from "./helpers.js";

const engine = registerVariant("webgpu-lost", { minElements: 0 });

/** The shared device's GPUDevice, destroyed (as a driver reset would lose it) by `lose()`. */
async function device(): Promise<{ lose(): void }> {
  const gpu = await requireDevice();
  return { lose: () => gpu.device.destroy() };
}

function expectLost(error: unknown): void {
  expect(error).toBeInstanceOf(DeviceLostError);
  expect((error as DeviceLostError).engine).toBe("webgpu");
  expect((error as DeviceLostError).reason).toMatch(/^destroyed: /);
}

const lossIn = (trace: TraceEntry[]) => trace.find((e) => e.engine === engine && /^DeviceLostError: /.test(e.reason ?? ""));

describeWebGPU("a lost device", () => {
  const X = blobs(4000, 8, 4);
  const init = X.toArray().slice(0, 4);
  const kmeans = () => new KMeans({ nClusters: 4, init, maxIter: 30, tol: 0 });

  it("during a KMeans fit: DeviceLostError without fallback; with it the CPU takes over, traced; then a fresh device", async () => {
    const reference = await kmeans().setComputationalEngine(engine, { fallback: false }).fit(X);
    const loseAt = (iteration: number) => async () => {
      const { lose } = await device();
      let lost = false;
      return (info: { iteration: number }) => {
        if (info.iteration === iteration && !lost) {
          lost = true;
          lose();
        }
      };
    };
    const strict = kmeans().setComputationalEngine(engine, { fallback: false });
    const error = await strict.fit(X, undefined, { onIteration: await loseAt(2)() }).then(() => undefined, (e: unknown) => e);
    expectLost(error);

    const tolerant = await kmeans().setComputationalEngine(engine).fit(X, undefined, { onIteration: await loseAt(2)() });
    expect(tolerant.engineUsed_).toBe("cpu");
    expect(lossIn(tolerant.engineTrace_)).toMatchObject({ hook: "fit", outcome: "fault" });

    const again = await kmeans().setComputationalEngine(engine, { fallback: false }).fit(X);
    expect(again.engineUsed_).toBe(engine);
    expect(Array.from(again.labels_)).toEqual(Array.from(reference.labels_));
  });

  it("during a kneighbors search, and a model whose training set was on that device", async () => {
    const train = uniform(4_000, 16, 1);
    const queries = uniform(500, 16, 2);
    const nn = await new NearestNeighbors({ nNeighbors: 5 }).setComputationalEngine(engine, { fallback: false }).fit(train);
    const reference = await nn.kneighbors(queries);
    // Several submissions on any device; the device is lost while the second runs.
    await slowDown("neighbors", (4_000 * 500 * 16) / 10);
    const { lose } = await device();
    const { error } = await faultAtSubmit(2, lose, () => nn.kneighbors(queries));
    expectLost(error);
    // The fitted training set was on the lost device: no engine can read it back, so the model must be refitted.
    expectLost(await nn.kneighbors(queries).then(() => undefined, (e: unknown) => e));
    const refitted = await nn.fit(train);
    expect(Array.from((await refitted.kneighbors(queries)).indices.data)).toEqual(Array.from(reference.indices.data));
  });

  it("before a call that binds resident data, and before a call on host data (which gets a fresh device)", async () => {
    const scaler = await new StandardScaler().setComputationalEngine(engine, { fallback: false }).fit(X);
    const reference = await scaler.transform(X);
    const Z = (await scaler.transform(X, { output: "engine" })) as WebGPUMatrix;
    const before = await requireDevice();
    (await device()).lose();
    expectLost(await scaler.inverseTransform(Z).then(() => undefined, (e: unknown) => e));
    expectLost(await Z.read().then(() => undefined, (e: unknown) => e));
    const again = await scaler.transform(X);
    expect(await requireDevice()).not.toBe(before);
    expect(scaler.engineTrace_.at(-1)).toMatchObject({ engine, outcome: "ran" });
    expect(Array.from(again.data)).toEqual(Array.from(reference.data));
  });
});
