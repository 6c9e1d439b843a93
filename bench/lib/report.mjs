// Tables of the speed bench: the console version and the markdown written to bench/results/speed.md.

const fmt = (v, digits) => (v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(digits));

/** Cells of one row: ratios are to the scikit-learn row and to plugml's default engine of the same table. */
function cells(table, row) {
  const reference = table.rows.find((r) => r.reference);
  const cpu = table.rows.find((r) => r.engine === "plugml cpu");
  const notes = [];
  if (row.scaledFrom) notes.push(`scaled from ${row.scaledFrom}`);
  if (row.nIter !== undefined) notes.push(`${row.nIter} iterations`);
  if (row.agreement !== undefined) notes.push(`${(row.agreement * 100).toFixed(1)}% same outputs as scikit-learn`);
  if (row.ofCeiling !== undefined) notes.push(`${(row.ofCeiling * 100).toFixed(0)}% of the SIMD ceiling`);
  if (row.threads) notes.push(`${row.threads.count} threads`);
  if (row.note) notes.push(row.note);
  return [
    row.engine,
    fmt(row.seconds, 3),
    fmt(row.gflops, 1),
    reference ? fmt(row.seconds / reference.seconds, 2) : "-",
    cpu && row !== cpu ? fmt(row.seconds / cpu.seconds, 1) : "-",
    notes.join("; "),
  ];
}

const HEADER = ["engine", "seconds", "GFLOP/s", "x scikit-learn", "x plugml cpu", "notes"];

/** Prints one workload's table to the console. */
export function printTable(table) {
  const rows = [HEADER, ...table.rows.map((row) => cells(table, row))];
  const widths = HEADER.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(table.title);
  for (const r of rows) console.log("  " + r.map((cell, c) => (c === 0 || c === 5 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
  console.log("");
}

const SUMMARY_HEADER = ["workload", "scikit-learn s", "plugml cpu s", "x scikit-learn", "% of SIMD ceiling"];
const summaryCells = (r) => [r.workload, fmt(r.sklearn, 3), fmt(r.plugml, 3), fmt(r.ratio, 2), r.ofCeiling === undefined ? "-" : (r.ofCeiling * 100).toFixed(0)];

/** Prints every workload's ratio to scikit-learn in one table, with the ceiling it is measured against. */
export function printSummary(summary, ceiling) {
  const rows = [SUMMARY_HEADER, ...summary.map(summaryCells)];
  const widths = SUMMARY_HEADER.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(`Summary (SIMD ceiling: ${ceilingLine(ceiling)})`);
  for (const r of rows) console.log("  " + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
  console.log("");
}

const ceilingLine = (ceiling) =>
  Object.entries(ceiling)
    .map(([dtype, v]) => `${dtype} ${v.allThreads.toFixed(0)} GFLOP/s on ${v.threads} threads, ${v.oneThread.toFixed(0)} on one`)
    .join("; ");

/** The whole run as markdown. */
export function markdownReport(results) {
  const { machine, sklearn } = results;
  const lines = [
    `# plugml speed bench (${results.date})`,
    "",
    `Node ${machine.node}, ${machine.cpu} x ${machine.cores} cores, ${machine.memoryGiB.toFixed(0)} GiB` +
      (sklearn ? `; scikit-learn ${sklearn.version}, numpy ${sklearn.numpy} (${sklearn.threadpools.join(", ")})` : "; scikit-learn not available"),
    "",
  ];
  lines.push(`## Summary`, "", `SIMD ceiling (bench/lib/ceiling.mjs): ${ceilingLine(results.ceiling)}.`, "");
  lines.push(`| ${SUMMARY_HEADER.join(" | ")} |`, `|---|${SUMMARY_HEADER.slice(1).map(() => "---:").join("|")}|`);
  for (const r of results.summary) lines.push(`| ${summaryCells(r).join(" | ")} |`);
  lines.push("");
  for (const table of results.tables) {
    lines.push(`## ${table.title}`, "", `| ${HEADER.join(" | ")} |`, `|${HEADER.map((_, i) => (i === 0 || i === 5 ? "---" : "---:")).join("|")}|`);
    for (const row of table.rows) lines.push(`| ${cells(table, row).join(" | ")} |`);
    lines.push("");
  }
  const mib = (b) => (b / 2 ** 20).toFixed(0);
  lines.push(`Peak RSS, whole process: float32 KNN ${mib(results.peakRssBytes.knn)} MiB, cosine ${mib(results.peakRssBytes.cosine)} MiB.`, "");
  for (const { script, lines: output } of results.others ?? []) lines.push(`## ${script}`, "", "```text", ...output, "```", "");
  return lines.join("\n");
}
