// engine-webgpu proves itself with core's conformance kit: float32 input, and float64 input (converted to float32 on
// the way to the device and widened back, so results are float64 with float32 accuracy and float32's tolerance).
import { KMeans, Matrix } from "@plugml/core";
import { runConformanceSuite } from "@plugml/core/testing";
import { createWebGPUEngine } from "@plugml/engine-webgpu";
import { describeWebGPU } from "./adapter.js";

// The reference data is tiny (iris): without minElements 0 every call would be declined to the CPU engine.
const engine = createWebGPUEngine({ minElements: 0 });

describeWebGPU("engine-webgpu conformance", () => {
  runConformanceSuite({ engine, dtype: "float32", describe, it });
  runConformanceSuite({ engine, dtype: "float64", describe, it });

  it("records both conversions of float64 input: to float32 for the device, back to float64 for the result", async () => {
    const X = Matrix.from([[0, 0], [0, 1], [5, 5], [5, 6]]);
    const km = await new KMeans({ nClusters: 2, init: [[0, 0], [5, 5]] }).setComputationalEngine("webgpu", { fallback: false }).fit(X);
    const conversions = km.engineTrace_.flatMap((e) => e.conversions);
    expect(conversions).toContain("X float64 -> float32");
    expect(conversions).toContain("result float32 -> float64");
    expect(km.clusterCenters_.dtype).toBe("float64");
  });
});
