// Saved models on engine-webgpu: every estimator and Pipeline round-trips through JSON text and computes exactly what
// the original computes on the device; a training set the device keeps is saved from core's host snapshot, or, when
// it never was on the host (fitted on resident data), by saveModel reading it back; and a model fitted here loads
// and predicts on engine-cpu.
import {
  blockEngine,
  isResident,
  KMeans,
  KNeighborsClassifier,
  loadModel,
  NearestNeighbors,
  Pipeline,
  saveModel,
  StandardScaler,
  TransferNotAllowedError,
  unblockEngine,
  ValidationError,
  withConfig,
} from "@plugml/core";
import { blobData, roundTrip, roundTripCases } from "../../core/test/persistence-cases.js";
import { describeWebGPU } from "./adapter.js";
import { registerVariant } from "./helpers.js";

// Small data runs on the device.
registerVariant("webgpu", { minElements: 0 });

describeWebGPU("saved models on engine-webgpu", () => {
  roundTripCases(() => "webgpu");

  const X = blobData(15, "float32", 1);
  const Q = blobData(6, "float32", 2);
  const y = Array.from({ length: 15 }, (_, i) => ["a", "b", "c"][i % 3]);

  it("a training set fitted from host data is saved from core's snapshot, unchanged by later writes to the input", async () => {
    const input = blobData(15, "float64", 1);
    const nn = await new NearestNeighbors({ nNeighbors: 2 }).setComputationalEngine("webgpu", { fallback: false }).fit(input);
    const saved = JSON.stringify(nn);
    input.data.fill(0);
    expect(JSON.stringify(nn)).toBe(saved);
    expect((JSON.parse(saved) as { fitted: { fitX: { dtype: string; data: number[] } } }).fitted.fitX).toEqual({
      dtype: "float64",
      rows: 15,
      cols: 3,
      data: Array.from(blobData(15, "float64", 1).data),
    });
  });

  it("a training set fitted from resident data: toJSON refuses and points to saveModel, which reads it back and traces the bytes", async () => {
    const pipe = await new Pipeline([
      ["scale", new StandardScaler()],
      ["classify", new KNeighborsClassifier({ nNeighbors: 3 })],
    ])
      .setComputationalEngine("webgpu", { fallback: false })
      .fit(X, y);
    // The scaler handed its output over on the device, so the classifier never saw its training set on the host.
    expect(isResident(await pipe.namedSteps.scale.transform!(X, { output: "engine" }))).toBe(true);
    const refusal = (() => {
      try {
        return JSON.stringify(pipe);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(refusal).toBeInstanceOf(ValidationError);
    expect((refusal as Error).message).toBe(
      'KNeighborsClassifier.toJSON: the model\'s fitX lives only on engine "webgpu"\'s device (it was fitted on resident data, inside a Pipeline), ' +
        "and toJSON cannot read it back synchronously; use `await saveModel(estimator)`, which reads it back and records the bytes in engineTrace_.",
    );

    const saved = await saveModel(pipe);
    const readBack = pipe.engineTrace_.filter((e) => e.method === "saveModel");
    expect(readBack).toMatchObject([{ step: "classify", engine: "core", hook: "postFit", outcome: "ran", bytesFromDevice: 15 * 3 * 4 }]);
    expect(readBack[0].reason).toBe('saveModel read the model\'s fitX back from engine "webgpu" to the host');

    const loaded = loadModel(JSON.parse(JSON.stringify(saved))) as Pipeline;
    expect(await loaded.predict(Q)).toEqual(await pipe.predict(Q));
    // The loaded training set is on the host, so the loaded Pipeline saves synchronously, to the same JSON.
    expect(JSON.stringify(loaded)).toBe(JSON.stringify(saved));

    // Reading a device back is a transfer, which transfers: "error" forbids.
    const forbidden = await withConfig({ transfers: "error" }, () => saveModel(pipe)).then(() => undefined, (e: unknown) => e as Error);
    expect(forbidden).toBeInstanceOf(TransferNotAllowedError);
    expect(forbidden!.message).toBe(
      `saveModel (KNeighborsClassifier's fitX) would read ${15 * 3 * 4} bytes of X back from engine "webgpu", and transfers: "error" forbids moving data between devices.`,
    );
  });

  it("a model fitted on webgpu loads and predicts on cpu when webgpu cannot run, and the trace says so", async () => {
    const km = await new KMeans({ nClusters: 3, randomState: 0 }).setComputationalEngine("webgpu").fit(X);
    const clf = await new KNeighborsClassifier({ nNeighbors: 3 }).setComputationalEngine("webgpu").fit(X, y);
    expect([km.engineUsed_, clf.engineUsed_]).toEqual(["webgpu", "webgpu"]);
    const [kmLoaded, clfLoaded] = [await roundTrip(km), await roundTrip(clf)];
    blockEngine("webgpu");
    try {
      expect(await kmLoaded.predict(Q)).toEqual(await km.predict(Q));
      expect(await clfLoaded.predict(Q)).toEqual(await clf.predict(Q));
    } finally {
      unblockEngine("webgpu");
    }
    for (const loaded of [kmLoaded, clfLoaded]) {
      expect(loaded.engineUsed_).toBe("cpu");
      expect(loaded.engineTrace_.map((e) => [e.engine, e.outcome, e.reason])).toEqual([
        ["webgpu", "declined", "blocked by blockEngine()"],
        ["cpu", "ran", undefined],
      ]);
    }
  });
});
