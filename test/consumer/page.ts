// A web app's page, used by test/consumer.test.ts: bundled by esbuild, minified, from the packed packages installed
// in a fresh project, and opened in headless Chromium with and without cross-origin isolation. It checks what a
// page gets: literal error names although the minifier renamed every class, the EngineNotFoundError that tells a
// page to register engines, registering engine-cpu (and engine-webgpu, unused) by hand, and a KMeans fit on
// engine-cpu's workers that matches scikit-learn. The outcome lands on window.consumerResult.
import {
  AbortError,
  ConvergenceWarning,
  DeviceLostError,
  EngineContractError,
  EngineDeclinedError,
  EngineNotFoundError,
  EngineValidationError,
  KMeans,
  Matrix,
  NotFittedError,
  NotSupportedByEngineError,
  ParameterWarning,
  PlugmlError,
  PlugmlWarning,
  TransferNotAllowedError,
  ValidationError,
  registerEngine,
} from "@plugml/core";
import { sklearnReference, type KMeansCase } from "@plugml/core/testing";
import { createCpuEngine } from "@plugml/engine-cpu";
import { createWebGPUEngine } from "@plugml/engine-webgpu";

async function caught(run: () => Promise<unknown>): Promise<{ name: string; message: string; instanceOf: boolean } | null> {
  try {
    await run();
    return null;
  } catch (e) {
    const error = e as Error;
    return { name: error.name, message: error.message, instanceOf: error instanceof PlugmlError };
  }
}

async function main() {
  const kmCase = sklearnReference.cases.find((c): c is KMeansCase => c.name === "kmeans-iris")!;
  // Before any engine is registered: core cannot import "@plugml/engine-cpu" by name in a page.
  const notFound = await caught(() => new KMeans({ nClusters: 3 }).setComputationalEngine("cpu").fit(kmCase.X));
  const invalid = await caught(() => new KMeans({ nClusters: 2 }).fit([[0, 0], [1, NaN]]));
  const aborted = await caught(() => new KMeans({ nClusters: 2 }).fit([[0], [1], [2]], undefined, { signal: AbortSignal.abort() }));
  const constructed = [
    new PlugmlError("m"),
    new ValidationError("m"),
    new NotFittedError("KMeans", "predict"),
    new EngineNotFoundError("x", "plugml-engine-x"),
    new EngineDeclinedError("KMeans", "fit", []),
    new NotSupportedByEngineError("m"),
    new EngineValidationError("m"),
    new EngineContractError("m"),
    new DeviceLostError("webgpu", "destroyed"),
    new TransferNotAllowedError("m"),
    new AbortError(),
    new PlugmlWarning("m", "w"),
    new ConvergenceWarning("m", "w"),
    new ParameterWarning("m", "w"),
  ].map((e) => e.name);

  registerEngine(createWebGPUEngine());
  // Two workers whatever the machine's core count; fastPathMinWork 0 sends even iris to the WebAssembly kernels.
  registerEngine(createCpuEngine({ threads: 2, fastPathMinWork: 0 }));
  const km = await new KMeans({ ...kmCase.params, init: kmCase.init }).setComputationalEngine("cpu", { fallback: false }).fit(kmCase.X);
  let centersError = 0;
  km.clusterCenters_.toArray().forEach((row, i) =>
    row.forEach((v, j) => (centersError = Math.max(centersError, Math.abs(v - kmCase.expected.clusterCenters[i][j])))),
  );
  const predicted = await km.predict(Matrix.from(kmCase.X));
  return {
    crossOriginIsolated: self.crossOriginIsolated,
    // The minifier renamed the classes: a name derived from the constructor would be one of these.
    minifiedClassNames: [ValidationError.name, EngineNotFoundError.name, AbortError.name],
    errors: { notFound, invalid, aborted, constructed },
    kmeans: {
      engine: km.engineUsed_,
      threads: km.engineTrace_.find((e) => e.engine === "cpu" && e.threads)?.threads,
      centersError,
      labelsMatch: Array.from(km.labels_).every((l, i) => l === kmCase.expected.labels[i]),
      predictMatch: Array.from(predicted as Int32Array).every((l, i) => l === kmCase.expected.predictOnX[i]),
      nIter: km.nIter_,
      expectedNIter: kmCase.expected.nIter,
    },
  };
}

const page = window as unknown as { consumerResult?: unknown };
main().then(
  (result) => (page.consumerResult = result),
  (e: unknown) => (page.consumerResult = { error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e) }),
);
