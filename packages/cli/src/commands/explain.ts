/** `plugml explain <csv> --estimator <name> [--engine a,b]`: which engine a fit would use, and why. */
import { Command } from "commander";
import type { EngineExplanation } from "@plugml/core";
import { addCsvOptions, addEngineOptions, addEstimatorOptions } from "../options.js";
import { configureEstimator, readTraining, type TrainingOptionValues } from "../training.js";
import type { Io } from "./fit.js";

interface ExplainOptionValues extends TrainingOptionValues {
  json?: boolean;
}

/** The `explain` command. */
export function explainCommand(io: Io): Command {
  const cmd = new Command("explain")
    .description("say which engine `plugml fit` with the same arguments would run on, and every candidate's verdict, without fitting")
    .argument("<csv>", "the training data the fit would get");
  addEstimatorOptions(cmd);
  addCsvOptions(cmd);
  addEngineOptions(cmd);
  cmd.option("--json", "print the explanation as JSON");
  return cmd.action((csv: string, values: ExplainOptionValues, self: Command) => runExplain(csv, values, self, io));
}

async function runExplain(csv: string, values: ExplainOptionValues, cmd: Command, io: Io): Promise<void> {
  const { spec, estimator } = configureEstimator(values, cmd);
  const { X } = await readTraining(csv, spec, values);
  const plan = await estimator.explainEngine("fit", X);
  if (values.json) {
    io.stdout.write(JSON.stringify({ ...plan, rows: X.rows, features: X.cols, dtype: X.dtype }, null, 2) + "\n");
    return;
  }
  io.stdout.write(formatExplanation(plan, `${csv} (${X.rows} x ${X.cols}, ${X.dtype})`));
}

/**
 * The explanation as text: the engine the call would run on, then one line per candidate in the order the call
 * would ask them, e.g. `  webgpu  skipped   input too small for the device: ...`.
 */
export function formatExplanation(plan: EngineExplanation, data: string): string {
  const head = plan.engine
    ? `${plan.estimator}.${plan.method} on ${data} would run on: ${plan.engine}\n`
    : `${plan.estimator}.${plan.method} on ${data} would run on no engine: every candidate refused, so the call would fail\n`;
  const width = Math.max(6, ...plan.candidates.map((c) => c.engine.length));
  const verdictWidth = Math.max(...plan.candidates.map((c) => c.verdict.length));
  const lines = plan.candidates.map((c) => {
    // core's reason for a missing engine repeats the verdict ("not installed: ...").
    const reason = c.reason?.startsWith(`${c.verdict}: `) ? c.reason.slice(c.verdict.length + 2) : c.reason;
    return `  ${c.engine.padEnd(width)}  ${reason ? `${c.verdict.padEnd(verdictWidth)}  ${reason}` : c.verdict}`;
  });
  return head + lines.join("\n") + "\n";
}
