// A consumer's program, used by test/consumer.test.ts from the packed packages installed in a fresh project. The
// test copies this one source into a folder whose package.json says "type": "module" and into one that says
// "type": "commonjs", type-checks both with TypeScript's strict nodenext settings and skipLibCheck: false (every
// published declaration is checked), and runs both: the same program must work as an ES module and as CommonJS
// (where TypeScript turns the imports into require() calls). It prints one JSON line.
import {
  EngineNotFoundError,
  KMeans,
  KNeighborsClassifier,
  Matrix,
  Pipeline,
  StandardScaler,
  ValidationError,
  AbortError,
  listEngines,
  registerEngine,
  type Engine,
  type TraceEntry,
} from "@plugml/core";
import { assertAllClose, sklearnReference, type KMeansCase } from "@plugml/core/testing";
import { cpuEngine, createCpuEngine } from "@plugml/engine-cpu";
import { euclidean } from "@plugml/engine-cpu/kernels";
import { createWebGPUEngine, DEFAULT_MIN_ELEMENTS, type WebGPUMatrix } from "@plugml/engine-webgpu";

/** WebGPU names in a consumer's own code resolve through engine-webgpu's declarations (no `types` entry needed). */
function bytesOnDevice(m: WebGPUMatrix): number {
  const buffer: GPUBuffer = m.buffer;
  return buffer.size;
}

async function errorName(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "none";
  } catch (e) {
    return e instanceof Error ? e.name : typeof e;
  }
}

async function main(): Promise<void> {
  const format = typeof module === "object" && typeof require === "function" ? "commonjs" : "esm";

  // The kit's reference data, from the packed JSON text: scikit-learn's iris KMeans with explicit init.
  const kmCase = sklearnReference.cases.find((c): c is KMeansCase => c.name === "kmeans-iris")!;

  // "cpu" by name: core imports @plugml/engine-cpu from node_modules the first time it is needed.
  const byName = await new KMeans({ ...kmCase.params, init: kmCase.init }).setComputationalEngine("cpu", { fallback: false }).fit(kmCase.X);
  assertAllClose(byName.clusterCenters_.toArray(), kmCase.expected.clusterCenters, 1e-9, "cluster centers");

  // A registered engine of the consumer's own, on the WebAssembly kernels and the worker pool even for iris.
  const custom: Engine = createCpuEngine({ name: "cpu-consumer", threads: 2, fastPathMinWork: 0 });
  registerEngine(custom);
  const km = await new KMeans({ ...kmCase.params, init: kmCase.init })
    .setComputationalEngine("cpu-consumer", { fallback: false })
    .fit(Matrix.from(kmCase.X).astype("float32"));
  const fitEntry: TraceEntry | undefined = km.engineTrace_.find((e) => e.threads !== undefined);
  const labelsMatch = Array.from(km.labels_).every((l, i) => l === kmCase.expected.labels[i]);

  const pipe = new Pipeline([
    ["scale", new StandardScaler()],
    ["knn", new KNeighborsClassifier<string>({ nNeighbors: 3 })],
  ]);
  await pipe.fit(
    [[0, 0], [0, 1], [1, 0], [9, 9], [9, 10], [10, 9]],
    ["small", "small", "small", "large", "large", "large"],
  );

  const notFound = await errorName(() => new KMeans({ nClusters: 2 }).setComputationalEngine("no-such-engine").fit([[0], [1]]));
  const invalid = await errorName(() => new KMeans({ nClusters: 2 }).fit([[0, 0], [1, NaN]]));
  const aborted = await errorName(() => new KMeans({ nClusters: 2 }).fit([[0], [1], [2]], undefined, { signal: AbortSignal.abort() }));

  console.log(
    JSON.stringify({
      format,
      byName: { engine: byName.engineUsed_, nIter: byName.nIter_, expectedNIter: kmCase.expected.nIter },
      custom: { engine: km.engineUsed_, labelsMatch, threads: fitEntry?.threads?.count },
      pipeline: { predicted: await pipe.predict([[0.5, 0.5], [9.5, 9.5]]), engines: pipe.engineUsed_ },
      kernel: euclidean(new Float64Array([0, 0, 3, 4]), 0, new Float64Array([0, 0, 3, 4]), 2, 2),
      webgpu: { name: createWebGPUEngine().name, minElements: DEFAULT_MIN_ELEMENTS, bytesOnDevice: typeof bytesOnDevice },
      engines: listEngines().map((e) => e.name).sort(),
      defaultEngine: cpuEngine.name,
      errors: {
        notFound,
        invalid,
        aborted,
        classes: [new ValidationError("x").name, new EngineNotFoundError("x", "y").name, new AbortError().name],
        instanceOf: new ValidationError("x") instanceof Error,
      },
    }),
  );
  await cpuEngine.dispose?.();
  await custom.dispose?.();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
