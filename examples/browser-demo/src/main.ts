// The demo page: shared data and estimator settings, two panels with their own engine order, a scatter plot, the
// timings and the engine trace of each run. window.__demo mirrors what the page shows, for tests and the console.
import { adjustedRandScore, formatEntry, type TraceEntry } from "@plugml/core";
import { Chart, Legend, LinearScale, PointElement, ScatterController, Title, Tooltip, type ChartDataset } from "chart.js";
import { blobs, iris, parseCsv, pca2, type Dataset } from "./data.js";
import { ENGINE_ORDERS, registerEngines, type EngineStatus } from "./engines.js";
import { run, type EstimatorName, type RunResult, type RunSettings } from "./run.js";
import "./style.css";

Chart.register(ScatterController, PointElement, LinearScale, Legend, Tooltip, Title);

type PanelId = "a" | "b";
const PANELS: readonly PanelId[] = ["a", "b"];
const DEFAULT_ENGINES: Record<PanelId, string> = { a: "webgpu", b: "cpu" };

/** What a panel shows, as plain data. */
export interface PanelState {
  engines: string;
  running: boolean;
  /** Runs finished (successfully or not); a test waits for it to grow. */
  runs: number;
  result?: Omit<RunResult, "trace">;
  trace?: string[];
  error?: string;
}

export interface DemoState {
  ready: boolean;
  crossOriginIsolated: boolean;
  webgpu?: true | string;
  engines: string[];
  dataset?: { name: string; rows: number; features: string[]; classes: number; notes: string[] };
  panels: Record<PanelId, PanelState>;
  /** When both panels hold results of the same run settings: how many labels are identical, and the ARI. */
  agreement?: { identical: number; of: number; adjustedRand?: number };
  errors: string[];
}

declare global {
  interface Window {
    __demo: DemoState;
  }
}

const state: DemoState = {
  ready: false,
  crossOriginIsolated: self.crossOriginIsolated,
  engines: [],
  panels: { a: { engines: DEFAULT_ENGINES.a, running: false, runs: 0 }, b: { engines: DEFAULT_ENGINES.b, running: false, runs: 0 } },
  errors: [],
};
window.__demo = state;

const $ = <T extends HTMLElement>(selector: string, root: ParentNode = document) => {
  const el = root.querySelector<T>(selector);
  if (!el) throw new Error(`missing element ${selector}`);
  return el;
};
const text = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

// Tableau 10: distinct, colour-blind-friendlier than the browser's defaults.
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
const color = (k: number, alpha = 1) => {
  const hex = PALETTE[k % PALETTE.length];
  const a = Math.round(alpha * 255)
    .toString(16)
    .padStart(2, "0");
  return `${hex}${a}`;
};

// ---- data ----------------------------------------------------------------------------------------------------

let data: Dataset = iris();
let projection = pca2(data.rows);
let fileData: Dataset | undefined;

function setDataset(next: Dataset) {
  data = next;
  projection = pca2(data.rows);
  const classes = data.labels ? new Set(data.labels).size : 0;
  state.dataset = { name: data.name, rows: data.rows.length, features: data.featureNames, classes, notes: data.notes };
  $("#dataset-info").textContent =
    `${data.name}: ${data.rows.length} rows × ${data.featureNames.length} features (${data.featureNames.join(", ")})` +
    (data.labels ? `; ${classes} classes in "${data.labelName}"` : "; no label column") +
    (data.notes.length ? `; ${data.notes.join("; ")}` : "");
  const axes = [
    ["pc1", `PC1 (${(100 * projection.explained[0]).toFixed(0)} % of variance)`],
    ["pc2", `PC2 (${(100 * projection.explained[1]).toFixed(0)} %)`],
    ...data.featureNames.map((f, j) => [`f${j}`, f]),
  ];
  for (const [id, fallback] of [["#x-axis", "pc1"], ["#y-axis", "pc2"]] as const) {
    const select = $<HTMLSelectElement>(id);
    select.innerHTML = axes.map(([v, label]) => `<option value="${v}">${text(label)}</option>`).join("");
    select.value = fallback;
  }
  for (const p of PANELS) clearPanel(p);
}

function axisValue(axis: string, row: number): number {
  if (axis === "pc1") return projection.points[row][0];
  if (axis === "pc2") return projection.points[row][1];
  return data.rows[row][Number(axis.slice(1))];
}

async function loadFile(file: File) {
  try {
    fileData = parseCsv(await file.text(), file.name);
    const option = $<HTMLOptionElement>('#dataset option[value="file"]');
    option.disabled = false;
    option.textContent = `file: ${file.name}`;
    $<HTMLSelectElement>("#dataset").value = "file";
    setDataset(fileData);
  } catch (e) {
    $("#dataset-info").textContent = errorText(e);
    state.errors.push(errorText(e));
  }
}

// ---- panels --------------------------------------------------------------------------------------------------

const charts = new Map<PanelId, Chart<"scatter">>();
const results = new Map<PanelId, { result: RunResult; key: string }>();

function buildPanels() {
  const main = $("#panels");
  for (const p of PANELS) {
    const section = document.createElement("section");
    section.className = "panel";
    section.id = `panel-${p}`;
    section.innerHTML = `
      <div class="panel-head">
        <h2>Panel ${p.toUpperCase()}</h2>
        <label>engines <select id="engines-${p}">${ENGINE_ORDERS.map((o) => `<option>${o}</option>`).join("")}</select></label>
        <button id="run-${p}" type="button">Run</button>
      </div>
      <dl class="summary" id="summary-${p}"></dl>
      <div class="chart"><canvas id="chart-${p}" role="img" aria-label="scatter plot of panel ${p.toUpperCase()}"></canvas></div>
      <details open><summary>engine trace</summary><table class="trace" id="trace-${p}"></table></details>`;
    main.append(section);
    const select = $<HTMLSelectElement>(`#engines-${p}`);
    select.value = DEFAULT_ENGINES[p];
    select.addEventListener("change", () => (state.panels[p].engines = select.value));
    $(`#run-${p}`).addEventListener("click", () => void runPanels([p]));
  }
}

function settings(p: PanelId): RunSettings {
  const num = (id: string) => Number($<HTMLInputElement>(id).value);
  return {
    estimator: $<HTMLSelectElement>("#estimator").value as EstimatorName,
    nClusters: num("#n-clusters"),
    init: $<HTMLSelectElement>("#init").value as RunSettings["init"],
    nNeighbors: num("#n-neighbors"),
    weights: $<HTMLSelectElement>("#weights").value as RunSettings["weights"],
    testSize: num("#test-size"),
    randomState: num("#random-state"),
    engines: $<HTMLSelectElement>(`#engines-${p}`).value.split(","),
  };
}

function clearPanel(p: PanelId) {
  results.delete(p);
  charts.get(p)?.destroy();
  charts.delete(p);
  $(`#summary-${p}`).innerHTML = "";
  $(`#trace-${p}`).innerHTML = "";
  state.panels[p] = { engines: state.panels[p].engines, running: false, runs: state.panels[p].runs };
  showAgreement();
}

function renderSummary(p: PanelId, r: RunResult) {
  const threads = r.threads.length ? `${Math.max(...r.threads)} (${r.trace.find((e) => e.threads)?.threads?.reason})` : "not reported";
  const perEngine = Object.entries(r.msByEngine)
    .map(([engine, ms]) => `${engine} ${ms.toFixed(1)} ms`)
    .join(", ");
  $(`#summary-${p}`).innerHTML = `
    <dt>engineUsed_</dt><dd class="engine-used">${text(r.engineUsed ?? "(none)")}</dd>
    <dt>time</dt><dd>${r.ms.toFixed(1)} ms wall for ${r.estimator === "KMeans" ? "fit" : "fit + predict"}; in hooks: ${text(perEngine)}</dd>
    <dt>threads</dt><dd>${text(threads)}</dd>
    <dt>result</dt><dd>${text(r.summary)}</dd>`;
}

function renderTrace(p: PanelId, trace: TraceEntry[]) {
  const shown = trace.slice(0, 40);
  const rows = shown
    .map(
      (e) => `<tr class="${e.outcome}"><td>${e.method}</td><td>${e.hook}</td><td>${text(e.engine)}</td><td>${e.outcome}</td>
        <td class="num">${e.ms.toFixed(2)}</td><td class="num">${e.threads?.count ?? ""}</td>
        <td class="why">${text([e.reason, e.threads?.reason, ...e.conversions].filter(Boolean).join("; "))}</td></tr>`,
    )
    .join("");
  const more = trace.length > shown.length ? `<tr><td colspan="7">… ${trace.length - shown.length} more entries</td></tr>` : "";
  $(`#trace-${p}`).innerHTML =
    `<thead><tr><th>method</th><th>hook</th><th>engine</th><th>outcome</th><th>ms</th><th>threads</th><th>reason</th></tr></thead>` +
    `<tbody>${rows}${more}</tbody>`;
}

function renderChart(p: PanelId, r: RunResult) {
  const x = $<HTMLSelectElement>("#x-axis");
  const y = $<HTMLSelectElement>("#y-axis");
  const point = (i: number) => ({ x: axisValue(x.value, i), y: axisValue(y.value, i) });
  const datasets: ChartDataset<"scatter">[] = [];
  if (r.estimator === "KMeans") {
    const k = Math.max(...(r.labels as number[])) + 1;
    for (let c = 0; c < k; c++) {
      const rows = r.rows.filter((_, n) => r.labels[n] === c);
      datasets.push({ label: `cluster ${c} (${rows.length})`, data: rows.map(point), backgroundColor: color(c, 0.75), borderColor: color(c), pointRadius: 3 });
    }
  } else {
    const labels = data.labels ?? [];
    const classes = [...new Set(labels)];
    classes.forEach((cls, c) =>
      datasets.push({
        label: `train: ${cls}`,
        data: r.trainRows.filter((i) => labels[i] === cls).map(point),
        backgroundColor: color(c, 0.2),
        borderColor: color(c, 0.2),
        pointRadius: 2,
      }),
    );
    classes.forEach((cls, c) =>
      datasets.push({
        label: `predicted ${cls}`,
        data: r.rows.filter((_, n) => r.labels[n] === cls).map(point),
        backgroundColor: color(c, 0.9),
        borderColor: "#222",
        borderWidth: 0.5,
        pointRadius: 4,
      }),
    );
    const wrong = r.rows.filter((i, n) => r.labels[n] !== labels[i]);
    datasets.push({ label: `misclassified (${wrong.length})`, data: wrong.map(point), pointStyle: "crossRot", borderColor: "#000", borderWidth: 2, pointRadius: 7 });
  }
  charts.get(p)?.destroy();
  charts.set(
    p,
    new Chart<"scatter">($<HTMLCanvasElement>(`#chart-${p}`), {
      type: "scatter",
      data: { datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { title: { display: true, text: x.selectedOptions[0]?.textContent ?? "" } },
          y: { title: { display: true, text: y.selectedOptions[0]?.textContent ?? "" } },
        },
        plugins: {
          title: { display: true, text: `${r.estimator} on ${r.engineUsed} (${data.name})` },
          legend: { position: "bottom", labels: { boxWidth: 10, filter: (item) => !item.text.startsWith("train: ") } },
        },
      },
    }),
  );
}

function showAgreement() {
  const a = results.get("a");
  const b = results.get("b");
  const el = $("#agreement");
  if (!a || !b || a.key !== b.key) {
    state.agreement = undefined;
    el.textContent = "";
    return;
  }
  const la = a.result.labels;
  const lb = b.result.labels;
  const identical = la.filter((l, i) => l === lb[i]).length;
  const adjustedRand = a.result.estimator === "KMeans" ? adjustedRandScore(la as number[], lb as number[]) : undefined;
  state.agreement = { identical, of: la.length, adjustedRand };
  el.textContent =
    `Panels A (${a.result.engineUsed}) and B (${b.result.engineUsed}): ${identical} of ${la.length} labels identical` +
    (adjustedRand === undefined ? "." : `; adjusted Rand index ${adjustedRand.toFixed(4)} (1 = the same partition).`);
  el.className = identical === la.length ? "same" : "differ";
}

function setRunning(running: boolean) {
  for (const el of document.querySelectorAll<HTMLButtonElement>("button")) el.disabled = running;
}

async function runPanels(panels: readonly PanelId[]) {
  setRunning(true);
  // Run one after the other, so that the timings do not share the machine.
  for (const p of panels) {
    const s = settings(p);
    const key = JSON.stringify({ ...s, engines: undefined, data: data.name, rows: data.rows.length });
    const panel: PanelState = (state.panels[p] = { engines: s.engines.join(","), running: true, runs: state.panels[p].runs });
    $(`#panel-${p}`).classList.add("running");
    try {
      const r = await run(data, s);
      results.set(p, { result: r, key });
      const { trace, ...plain } = r;
      panel.result = plain;
      panel.trace = trace.map(formatEntry);
      renderSummary(p, r);
      renderChart(p, r);
      renderTrace(p, r.trace);
    } catch (e) {
      results.delete(p);
      charts.get(p)?.destroy();
      charts.delete(p);
      panel.error = errorText(e);
      $(`#summary-${p}`).innerHTML = `<dt>error</dt><dd class="error">${text(panel.error)}</dd>`;
      $(`#trace-${p}`).innerHTML = "";
    } finally {
      panel.running = false;
      panel.runs++;
      $(`#panel-${p}`).classList.remove("running");
    }
  }
  showAgreement();
  setRunning(false);
}

// ---- start ---------------------------------------------------------------------------------------------------

function showStatus(engines: EngineStatus) {
  state.webgpu = engines.webgpu;
  state.engines = engines.registered;
  const cores = navigator.hardwareConcurrency;
  $("#status").innerHTML = `
    <dt>crossOriginIsolated</dt><dd id="coi" class="${self.crossOriginIsolated ? "ok" : "warn"}">${self.crossOriginIsolated}${
      self.crossOriginIsolated ? " (engine-cpu can use Web Workers)" : " (engine-cpu runs on the page's thread: serve with COOP/COEP headers)"
    }</dd>
    <dt>WebGPU</dt><dd id="webgpu" class="${engines.webgpu === true ? "ok" : "warn"}">${engines.webgpu === true ? "adapter available" : text(engines.webgpu)}</dd>
    <dt>cores</dt><dd>${cores}</dd>
    <dt>engines</dt><dd id="engines">${text(engines.registered.join(", "))}${engines.thresholds ? " (default thresholds)" : " (thresholds off)"}</dd>`;
}

function syncEstimator() {
  const knn = $<HTMLSelectElement>("#estimator").value === "KNeighborsClassifier";
  document.body.classList.toggle("knn", knn);
}

async function start() {
  buildPanels();
  setDataset(data);
  syncEstimator();
  $<HTMLSelectElement>("#dataset").addEventListener("change", (ev) => {
    const v = (ev.target as HTMLSelectElement).value;
    if (v === "iris") setDataset(iris());
    else if (v === "blobs") {
      setDataset(blobs());
      $<HTMLInputElement>("#n-clusters").value = "5";
    } else if (fileData) setDataset(fileData);
  });
  $<HTMLInputElement>("#file").addEventListener("change", (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (file) void loadFile(file);
  });
  const drop = $("#drop");
  drop.addEventListener("dragover", (ev) => (ev.preventDefault(), drop.classList.add("over")));
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (ev) => {
    ev.preventDefault();
    drop.classList.remove("over");
    const file = ev.dataTransfer?.files[0];
    if (file) void loadFile(file);
  });
  $("#estimator").addEventListener("change", () => {
    syncEstimator();
    for (const p of PANELS) clearPanel(p);
  });
  for (const id of ["#x-axis", "#y-axis"]) {
    $(id).addEventListener("change", () => {
      for (const [p, { result }] of results) renderChart(p, result);
    });
  }
  const thresholds = $<HTMLInputElement>("#thresholds");
  thresholds.addEventListener("change", async () => {
    setRunning(true);
    showStatus(await registerEngines(thresholds.checked));
    setRunning(false);
  });
  $("#run-both").addEventListener("click", () => void runPanels(PANELS));
  setRunning(true);
  showStatus(await registerEngines(thresholds.checked));
  setRunning(false);
  state.ready = true;
}

window.addEventListener("error", (ev) => state.errors.push(String(ev.message)));
window.addEventListener("unhandledrejection", (ev) => state.errors.push(errorText(ev.reason)));
start().catch((e: unknown) => {
  state.errors.push(errorText(e));
  $("#status").innerHTML = `<dt>error</dt><dd class="error">${text(errorText(e))}</dd>`;
});
