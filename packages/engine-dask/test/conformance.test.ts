// engine-dask proves itself with core's conformance kit on a real local cluster (a scheduler and two workers), in
// both precisions: every estimator it implements against scikit-learn's reference results and core's behaviours.
import { runConformanceSuite } from "@plugml/core/testing";
import { createDaskEngine } from "@plugml/engine-dask";
import { describeDask, startCluster, type LocalCluster } from "./local-cluster.js";

describeDask("engine-dask conformance", () => {
  let cluster: LocalCluster;
  const options: { scheduler?: string } = {};
  // The engine reads its scheduler when it first connects: the cluster starts in beforeAll, before any test.
  const engine = createDaskEngine(options);
  beforeAll(async () => {
    cluster = await startCluster(2);
    options.scheduler = cluster.scheduler;
  }, 90_000);
  afterAll(() => cluster?.stop(), 30_000);

  runConformanceSuite({ engine, dtype: "float64", describe, it });
  runConformanceSuite({ engine, dtype: "float32", describe, it });
});
