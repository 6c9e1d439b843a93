// The demo's datasets: iris (the repository's data/iris.csv, bundled as text), a seeded synthetic blobs set, and
// CSV files the user drops or selects, parsed here (numeric columns become features, the last non-numeric column
// the class labels).
import irisCsv from "../../../data/iris.csv?raw";

export interface Dataset {
  name: string;
  featureNames: string[];
  /** One row of numbers per sample. */
  rows: number[][];
  /** Class of each sample (for KNeighborsClassifier and for reference), when the data has one. */
  labels?: string[];
  labelName?: string;
  /** What the parser left out, in words (rows with missing values, ...). */
  notes: string[];
}

/** Fisher's iris: 150 samples, 4 features, 3 species. */
export function iris(): Dataset {
  return { ...parseCsv(irisCsv, "iris"), name: "iris" };
}

/** mulberry32: a small seeded generator, so the blobs are the same on every load. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Isotropic Gaussian blobs in 2-D, like scikit-learn's make_blobs (seeded; not the same numbers as numpy's). */
export function blobs(nSamples = 3000, nCenters = 5, spread = 1.1, seed = 7): Dataset {
  const random = generator(seed);
  const gauss = () => {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  // Centres drawn in [-10, 10]^2, redrawn while closer than 5 to an earlier one, so the blobs are apart but not far.
  const centers: number[][] = [];
  for (let tries = 0; centers.length < nCenters; tries++) {
    const c = [random() * 20 - 10, random() * 20 - 10];
    if (tries > 1000 || centers.every((o) => Math.hypot(o[0] - c[0], o[1] - c[1]) >= 5)) centers.push(c);
  }
  const rows: number[][] = [];
  const labels: string[] = [];
  for (let i = 0; i < nSamples; i++) {
    const c = i % nCenters;
    rows.push([centers[c][0] + spread * gauss(), centers[c][1] + spread * gauss()]);
    labels.push(`blob ${c}`);
  }
  return { name: `blobs`, featureNames: ["x", "y"], rows, labels, labelName: "blob", notes: [] };
}

function splitLine(line: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) cells.push(cell.trim()), (cell = "");
    else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

const isNumber = (s: string) => s !== "" && Number.isFinite(Number(s));

/**
 * Parses CSV text (comma, semicolon or tab separated; a header row when the first row is not all numbers). Columns
 * whose every non-empty cell is a number are features; the last other column, if any, holds the class labels.
 */
export function parseCsv(text: string, name: string): Dataset {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) throw new Error(`${name}: the file is empty.`);
  const first = lines[0];
  const delimiter = [",", ";", "\t"].reduce((best, d) => (first.split(d).length > first.split(best).length ? d : best), ",");
  let table = lines.map((l) => splitLine(l, delimiter));
  const width = table[0].length;
  const hasHeader = table[0].some((c) => !isNumber(c));
  const header = hasHeader ? table[0] : table[0].map((_, j) => `column ${j + 1}`);
  if (hasHeader) table = table.slice(1);
  const notes: string[] = [];
  const ragged = table.filter((r) => r.length !== width).length;
  if (ragged) notes.push(`${ragged} rows with a number of cells other than ${width} left out`);
  table = table.filter((r) => r.length === width);
  const numeric = header.map((_, j) => table.every((r) => r[j] === "" || isNumber(r[j])) && table.some((r) => r[j] !== ""));
  const featureCols = header.map((_, j) => j).filter((j) => numeric[j]);
  const labelCol = header.map((_, j) => j).filter((j) => !numeric[j]).pop();
  if (featureCols.length === 0) throw new Error(`${name}: no numeric column.`);
  const complete = table.filter((r) => featureCols.every((j) => r[j] !== ""));
  if (complete.length < table.length) notes.push(`${table.length - complete.length} rows with missing numbers left out`);
  if (complete.length < 2) throw new Error(`${name}: fewer than 2 complete rows.`);
  return {
    name,
    featureNames: featureCols.map((j) => header[j]),
    rows: complete.map((r) => featureCols.map((j) => Number(r[j]))),
    labels: labelCol === undefined ? undefined : complete.map((r) => r[labelCol]),
    labelName: labelCol === undefined ? undefined : header[labelCol],
    notes,
  };
}

/**
 * The first two principal components of the rows (centred), by power iteration on the covariance matrix with
 * deflation: for a handful of features this is exact enough for a picture and needs no linear-algebra library.
 */
export function pca2(rows: number[][]): { points: [number, number][]; explained: [number, number] } {
  const n = rows.length;
  const d = rows[0].length;
  const mean = new Array<number>(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j] / n;
  const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const r of rows) {
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a][b] += ((r[a] - mean[a]) * (r[b] - mean[b])) / (n - 1);
  }
  const total = cov.reduce((s, row, j) => s + row[j], 0) || 1;
  const components: number[][] = [];
  const values: number[] = [];
  for (let c = 0; c < Math.min(2, d); c++) {
    let v = Array.from({ length: d }, (_, j) => 1 + j * 0.1);
    let lambda = 0;
    for (let it = 0; it < 500; it++) {
      const w = cov.map((row) => row.reduce((s, x, j) => s + x * v[j], 0));
      const norm = Math.hypot(...w);
      if (norm === 0) break;
      const next = w.map((x) => x / norm);
      const change = Math.hypot(...next.map((x, j) => x - v[j]));
      v = next;
      lambda = norm;
      if (change < 1e-12) break;
    }
    // Sign convention: the largest loading positive, so the picture does not flip between loads.
    const big = v.reduce((m, x, j) => (Math.abs(x) > Math.abs(v[m]) ? j : m), 0);
    if (v[big] < 0) v = v.map((x) => -x);
    components.push(v);
    values.push(lambda);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a][b] -= lambda * v[a] * v[b];
  }
  const project = (r: number[], c: number) => (components[c] ? components[c].reduce((s, x, j) => s + x * (r[j] - mean[j]), 0) : 0);
  return {
    points: rows.map((r) => [project(r, 0), project(r, 1)]),
    explained: [values[0] / total, (values[1] ?? 0) / total],
  };
}
