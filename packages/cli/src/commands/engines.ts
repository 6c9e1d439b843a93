/** `plugml engines`: the engines installed, their versions, and whether each can run here (and why not). */
import { Command } from "commander";
import { getEngine, listEngines, type EngineVerdict, type EstimatorName } from "@plugml/core";
import { findEnginePackages, registerFromDisk, type EnginePackage } from "../discovery.js";
import { ESTIMATORS } from "../estimators.js";
import type { Io } from "./fit.js";

/** The engines the plugml project publishes, listed even when they are not installed. */
export const FIRST_PARTY = ["cpu", "webgpu"] as const;

/** One row of the report. */
export interface EngineReport {
  /** What `--engine` takes. */
  engine: string;
  packageName?: string;
  /** The package's version (`version` of its package.json). */
  version?: string;
  installed: boolean;
  /** Whether the engine's gates accept a small fit here. */
  canRun: boolean;
  /** Why not (or how it was loaded), in the engine's own words. */
  reason?: string;
  /** The estimators it implements (once loaded). */
  estimators: EstimatorName[];
  /** The estimator whose fit was asked. */
  probedWith?: EstimatorName;
}

const PROBE_X = [
  [0, 0],
  [1, 1],
  [2, 0],
  [0, 2],
];

/** Asks the engine's gates about a tiny fit of an estimator it implements, without fitting. */
async function probe(spec: string): Promise<{ verdict: EngineVerdict; reason?: string; probedWith: EstimatorName }> {
  const ask = async (kind: EstimatorName) => {
    const cliSpec = Object.values(ESTIMATORS).find((s) => s.kind === kind)!;
    const params = kind === "KMeans" ? { nClusters: 1 } : kind === "StandardScaler" ? {} : { nNeighbors: 1 };
    const est = cliSpec.create(params).setComputationalEngine(spec, { fallback: false });
    const plan = await est.explainEngine("fit", PROBE_X);
    const c = plan.candidates[0] ?? { verdict: "declined" as const, reason: "no verdict" };
    return { verdict: c.verdict, reason: c.reason, probedWith: kind };
  };
  const first = await ask("KMeans");
  if (first.verdict === "accepted" || first.verdict === "skipped" || first.verdict === "not installed") return first;
  // An engine without KMeans is asked about an estimator it implements.
  const implemented = Object.keys(getEngine(spec)?.estimators ?? {}) as EstimatorName[];
  const other = Object.values(ESTIMATORS).find((s) => s.kind !== "KMeans" && implemented.includes(s.kind));
  return !implemented.includes("KMeans") && other ? ask(other.kind) : first;
}

/** Every installed or first-party engine with its verdict. */
export async function engineReports(cwd: string = process.cwd()): Promise<EngineReport[]> {
  const packages = findEnginePackages(cwd);
  const bySpec = new Map<string, EnginePackage>(packages.map((p) => [p.spec, p]));
  const specs = [...new Set([...FIRST_PARTY, ...packages.map((p) => p.spec), ...listEngines().map((e) => e.name)])];
  const reports: EngineReport[] = [];
  for (const spec of specs) {
    const pkg = bySpec.get(spec);
    let loadNote: string | undefined;
    if (pkg && !pkg.reachableByCore) {
      try {
        await registerFromDisk(pkg);
        loadNote = `found in ${pkg.dir}, outside @plugml/core's reach: registered by plugml`;
      } catch (e) {
        reports.push({ engine: spec, packageName: pkg.packageName, version: pkg.version, installed: true, canRun: false, reason: `cannot be loaded: ${(e as Error).message}`, estimators: [] });
        continue;
      }
    }
    const { verdict, reason, probedWith } = await probe(spec);
    const engine = getEngine(spec);
    const canRun = verdict === "accepted" || verdict === "skipped";
    reports.push({
      engine: spec,
      ...(pkg && { packageName: pkg.packageName, version: pkg.version }),
      ...(!pkg && engine && { version: engine.version }),
      // A package on disk that fails to load is installed, and cannot run: the reason says why.
      installed: pkg !== undefined || verdict !== "not installed",
      canRun,
      ...((canRun ? loadNote : reason) !== undefined && { reason: canRun ? loadNote : reason }),
      estimators: Object.keys(engine?.estimators ?? {}) as EstimatorName[],
      probedWith,
    });
  }
  return reports;
}

/** The reports as a table: engine, package, version, and `yes` or `no: <reason>`. */
export function formatReports(reports: readonly EngineReport[]): string {
  const rows = reports.map((r) => [
    r.engine,
    r.packageName ?? "-",
    r.version ?? "-",
    r.canRun ? `yes${r.reason ? ` (${r.reason})` : ""}` : r.installed ? `no: ${r.reason ?? "declined"}` : `not installed: ${(r.reason ?? "").replace(/^not installed: /, "")}`,
  ]);
  const all = [["engine", "package", "version", "can run here"], ...rows];
  const widths = [0, 1, 2].map((i) => Math.max(...all.map((row) => row[i].length)));
  return all.map((row) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell)).join("  ")).join("\n") + "\n";
}

/** The `engines` command. */
export function enginesCommand(io: Io): Command {
  return new Command("engines")
    .description("list the installed engines, their versions, and whether each can run here (and why not)")
    .option("--json", "print the list as JSON")
    .action(async (values: { json?: boolean }) => {
      const reports = await engineReports();
      io.stdout.write(values.json ? JSON.stringify(reports, null, 2) + "\n" : formatReports(reports));
    });
}
