/**
 * Hooks of core's functions (the `"metrics"` entry of HOOK_SPECS): a function such as `silhouetteScore` has no
 * estimator to carry an engine setting, a fitted engine or a trace, so its hook call goes to the current choice
 * (`setConfig`, `withConfig`) and its trace entries reach only the global trace listeners.
 */
import { TransferNotAllowedError } from "../errors.js";
import { bytesPerElement, isResident, type DataMatrix } from "../data/resident.js";
import { currentChoice } from "./config.js";
import { callHook } from "./dispatch.js";
import { candidateNames } from "./resolve.js";
import type { HookContext, HookName } from "./specs.js";

/** One function-level hook call: `fields` (X among them) and `params` go into every engine's context. */
export interface FunctionHookCall {
  /** The user-facing function, for the trace and for messages. */
  method: string;
  hook: HookName;
  params: object;
  fields: { X: DataMatrix; [field: string]: unknown };
  signal?: AbortSignal;
}

/**
 * Runs a `metrics` hook on the first engine of the current choice that accepts it, through the same call loop
 * (gates, fallback, result contracts) as estimator hooks. A resident X is read back for an engine it does not
 * live on, unless the transfer policy is `"error"`.
 */
export async function runFunctionHook<V>(call: FunctionHookCall): Promise<V> {
  const choice = currentChoice();

  const result = await callHook<V>({
    estimator: "metrics",
    method: call.method,
    hook: call.hook,
    candidates: candidateNames(choice),
    gate: true,
    context: (engine, record): HookContext =>
      ({
        estimator: "metrics",
        params: call.params,
        signal: call.signal,
        ...call.fields,
        hook: call.hook,
        record,
        toHost: async (M: DataMatrix) => {
          if (!isResident(M)) return M;
          const bytes = M.rows * M.cols * bytesPerElement(M.dtype);
          if (M.engine !== engine.name && choice.transfers === "error") {
            throw new TransferNotAllowedError(
              `${call.method} on engine "${engine.name}" would read ${bytes} bytes of X back from engine "${M.engine}", and transfers: "error" forbids moving data between devices.`,
            );
          }
          const host = await M.read();
          record.bytesFromDevice(bytes);
          return host;
        },
      }) as HookContext,
    trace: () => {},
  });
  return result.value;
}
