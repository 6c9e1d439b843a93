/**
 * Which CSV fields are features and which one is the target: for training, from `--target` and `--drop`; for
 * prediction, from what the model file recorded about its training file.
 */
import type { ColumnPlan, CsvShape } from "./csv.js";
import { resolveColumn } from "./csv.js";
import { CliError, UsageError } from "./errors.js";
import type { CliMetadata } from "./model-file.js";

/** `--target` and `--drop` as given, and how the target's cells are read. */
export interface TrainingColumns {
  target?: string;
  targetKind?: "number" | "label";
  drop: readonly string[];
}

/** The plan for a training file: every field except the target and the dropped ones is a feature. */
export function trainingPlan(shape: CsvShape, columns: TrainingColumns): ColumnPlan & { dropped: number[] } {
  const target = columns.target === undefined ? undefined : resolveColumn(columns.target, shape, "--target");
  const dropped = [...new Set(columns.drop.map((d) => resolveColumn(d, shape, "--drop")))].sort((a, b) => a - b);
  if (target !== undefined && dropped.includes(target)) throw new UsageError(`--target ${columns.target} is also given to --drop`);
  const features = [...Array(shape.nFields).keys()].filter((i) => i !== target && !dropped.includes(i));
  if (features.length === 0) throw new UsageError(`no feature column is left (the file has ${shape.nFields} column${shape.nFields === 1 ? "" : "s"})`);
  return { features, dropped, ...(target !== undefined && { target: { index: target, kind: columns.targetKind ?? "number" } }) };
}

const quoted = (names: readonly string[]) => names.map((n) => JSON.stringify(n)).join(", ");

/**
 * The plan for a file to predict on. With a header and a model that recorded its training header, features are
 * found by name, in any order; the training target and dropped columns may be present and are skipped, any other
 * column is an error. Otherwise columns go by position: a row as wide as the training file's (target and dropped
 * fields skipped at the same places) or exactly the model's features.
 */
export function predictionPlan(shape: CsvShape, path: string, meta: CliMetadata | undefined, nFeatures: number): ColumnPlan {
  if (meta?.columns && shape.columns) {
    const trained = meta.columns;
    const header = shape.columns;
    const features = meta.features.map((f) => {
      const at = header.indexOf(trained[f]);
      if (at < 0) throw new CliError(`${path}: the model's feature column ${JSON.stringify(trained[f])} is missing (the file's columns: ${quoted(header)})`);
      return at;
    });
    const known = new Set([...meta.features, ...meta.dropped, ...(meta.target === undefined ? [] : [meta.target])].map((i) => trained[i]));
    const extra = header.filter((c) => !known.has(c));
    if (extra.length) {
      throw new CliError(`${path}: column${extra.length > 1 ? "s" : ""} ${quoted(extra)} ${extra.length > 1 ? "are" : "is"} not in the model's training file (features: ${quoted(meta.features.map((f) => trained[f]))})`);
    }
    return { features };
  }
  if (meta && shape.nFields === meta.nFields) return { features: meta.features };
  if (shape.nFields === nFeatures) return { features: [...Array(nFeatures).keys()] };
  const widths = meta && meta.nFields !== nFeatures ? `${nFeatures} (the features) or ${meta.nFields} (as the training file)` : `${nFeatures}`;
  throw new CliError(`${path}: rows have ${shape.nFields} field${shape.nFields === 1 ? "" : "s"}, the model expects ${widths}`);
}
