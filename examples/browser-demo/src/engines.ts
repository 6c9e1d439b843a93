// Engine registration, as docs/browser.md says: in a bundle core cannot import an engine package by name, so the
// page imports the engines and registers them before the first fit.
import { listEngines, registerEngine, unregisterEngine } from "@plugml/core";
import { createCpuEngine } from "@plugml/engine-cpu";
import { createWebGPUEngine, webgpuAvailable } from "@plugml/engine-webgpu";

/** The engine orders the panels offer, first choice first. */
export const ENGINE_ORDERS = ["webgpu", "webgpu,cpu", "cpu", "cpu-js"] as const;

export interface EngineStatus {
  /** true, or why WebGPU is not available here. */
  webgpu: true | string;
  /** Whether small inputs are left to the engines' own thresholds (true) or always run on the engine asked. */
  thresholds: boolean;
  registered: string[];
}

let webgpu: true | string | undefined;

/**
 * (Re-)registers the engines: "webgpu" (where navigator.gpu gives an adapter), "cpu" (WebAssembly SIMD on Web
 * Workers where the page is cross-origin isolated) and "cpu-js" (engine-cpu's pure-TypeScript kernels). With
 * `thresholds` false, "webgpu" takes inputs of any size (minElements 0) and "cpu" sends every call down its
 * WebAssembly path (fastPathMinWork 0), so a small dataset such as iris shows the engine asked for; with true the
 * engines keep their defaults and decline or skip small inputs, which the trace then shows.
 */
export async function registerEngines(thresholds: boolean): Promise<EngineStatus> {
  for (const name of ["webgpu", "cpu", "cpu-js"]) await unregisterEngine(name);
  webgpu ??= await webgpuAvailable();
  if (webgpu === true) registerEngine(createWebGPUEngine(thresholds ? {} : { minElements: 0 }));
  registerEngine(createCpuEngine(thresholds ? {} : { fastPathMinWork: 0 }));
  registerEngine(createCpuEngine({ name: "cpu-js", wasm: false }));
  return { webgpu, thresholds, registered: listEngines().map((e) => e.name) };
}
