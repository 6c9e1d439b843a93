/**
 * What `fit` and `explain` share: the estimator the options describe (every option used or refused), and the
 * training CSV read into X and y.
 */
import type { Command } from "commander";
import { ValidationError } from "@plugml/core";
import { trainingPlan } from "./columns.js";
import { readCsv, type CsvTable } from "./csv.js";
import { UsageError } from "./errors.js";
import { estimatorParams, estimatorSpec, type CliEstimator, type EstimatorSpec } from "./estimators.js";
import { dtypeOf, applyEngineSetting, type CsvOptionValues, type EngineOptionValues } from "./options.js";

/** The options of `fit` and `explain` as commander parses them. */
export interface TrainingOptionValues extends CsvOptionValues, EngineOptionValues, Record<string, unknown> {
  estimator: string;
  target?: string;
  drop?: string[];
  dtype: string;
}

/** A configured, unfitted estimator. */
export interface Training {
  spec: EstimatorSpec;
  estimator: CliEstimator;
}

/**
 * The estimator `--estimator` and its options describe, with the engines of `--engine`. Options of another
 * estimator, a missing or unexpected `--target`, and a parameter value the estimator refuses are
 * {@link UsageError}s.
 */
export function configureEstimator(values: TrainingOptionValues, cmd: Command): Training {
  const spec = estimatorSpec(values.estimator);
  const params = estimatorParams(spec, values, cmd);
  if (spec.target && values.target === undefined) {
    throw new UsageError(`--estimator ${spec.name} learns from labels: give the label column with --target <name or number>`);
  }
  if (!spec.target && values.target !== undefined) {
    throw new UsageError(`--target does not apply to --estimator ${spec.name}, which learns without labels (to leave a column out, use --drop)`);
  }
  let estimator: CliEstimator;
  try {
    estimator = spec.create(params);
  } catch (e) {
    if (e instanceof ValidationError) throw new UsageError(e.message);
    throw e;
  }
  applyEngineSetting(estimator, values, cmd);
  return { spec, estimator };
}

/** The training file read with the CSV and column options; `dropped` are the `--drop` field indexes. */
export async function readTraining(path: string, spec: EstimatorSpec, values: TrainingOptionValues): Promise<CsvTable & { dropped: number[] }> {
  let dropped: number[] = [];
  const table = await readCsv(path, {
    delimiter: values.delimiter,
    header: values.header,
    dtype: dtypeOf(values.dtype),
    plan: (shape) => {
      const plan = trainingPlan(shape, { target: values.target, targetKind: spec.target, drop: values.drop ?? [] });
      dropped = plan.dropped;
      return plan;
    },
  });
  return { ...table, dropped };
}

/**
 * Class labels as the classifier gets them: numbers when every cell of the column is a number (so `1` and `1.0` are
 * one class and classes sort numerically, as in scikit-learn), the cells as written otherwise.
 */
export function labelsOf(cells: readonly string[]): (number | string)[] {
  const numbers = cells.map(Number);
  return numbers.every((v) => Number.isFinite(v)) ? numbers : [...cells];
}
