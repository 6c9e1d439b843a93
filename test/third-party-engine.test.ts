// A third-party engine as its author would ship it: @plugml/core and the engine packed with `npm pack`, installed
// into a fresh folder outside the monorepo, without engine-cpu. With the default fallback on, a call the engine
// accepts never needs the default engine; a call it declines says what to install.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** A k-nearest-neighbours classifier engine in plain JavaScript: what a third party could publish in an afternoon. */
const ENGINE_SOURCE = `
function search(ctx) {
  const train = ctx.model.fitX, queries = ctx.X ?? train, k = ctx.nNeighbors ?? ctx.params.nNeighbors, d = train.cols;
  const distances = new Float64Array(queries.rows * k), indices = new Int32Array(queries.rows * k);
  for (let q = 0; q < queries.rows; q++) {
    const order = [];
    for (let t = 0; t < train.rows; t++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (queries.data[q * d + j] - train.data[t * d + j]) ** 2;
      order.push([Math.sqrt(s), t]);
    }
    order.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let j = 0; j < k; j++) [distances[q * k + j], indices[q * k + j]] = order[j];
  }
  return { distances, indices, rows: queries.rows, k };
}
function proba(ctx) {
  const { indices, rows, k } = search(ctx);
  const c = ctx.model.nClasses, out = new Float64Array(rows * c);
  for (let q = 0; q < rows; q++) for (let j = 0; j < k; j++) out[q * c + ctx.model.y[indices[q * k + j]]] += 1 / k;
  return out;
}
export default {
  name: "naive",
  version: "1.0.0",
  coreApi: "^1.1.0",
  estimators: {
    KNeighborsClassifier: {
      accepts: (ctx) => (ctx.params.metric === "minkowski" && ctx.params.p === 2 && ctx.params.weights === "uniform") || "only uniform euclidean votes",
      fit: (ctx) => ({ fitX: ctx.X, y: ctx.extra.y, nClasses: ctx.extra.nClasses }),
      kneighbors(ctx) {
        const { distances, indices, rows, k } = search(ctx);
        return { distances: new ctx.model.fitX.constructor(distances, rows, k), indices };
      },
      predict(ctx) {
        const p = proba(ctx), c = ctx.model.nClasses;
        return Int32Array.from({ length: p.length / c }, (_, q) => {
          let best = 0;
          for (let j = 1; j < c; j++) if (p[q * c + j] > p[q * c + best]) best = j;
          return best;
        });
      },
      predictProba(ctx) {
        const p = proba(ctx);
        return new ctx.model.fitX.constructor(p, p.length / ctx.model.nClasses, ctx.model.nClasses);
      },
    },
  },
};
`;

const USER_SCRIPT = `
import { KNeighborsClassifier } from "@plugml/core";
const X = [[0, 0], [0, 1], [1, 0], [9, 9], [9, 10], [10, 9]];
const y = ["small", "small", "small", "large", "large", "large"];
const clf = await new KNeighborsClassifier({ nNeighbors: 3 }).setComputationalEngine("naive").fit(X, y);
console.log(JSON.stringify({ predicted: await clf.predict([[0.5, 0.5], [9.5, 9.5]]), engine: clf.engineUsed_, trace: clf.engineTrace_.map((e) => e.engine + ":" + e.outcome) }));
try {
  await new KNeighborsClassifier({ nNeighbors: 3, weights: "distance" }).setComputationalEngine("naive").fit(X, y);
} catch (e) {
  console.log(JSON.stringify({ name: e.name, message: e.message }));
}
`;

describe("a third-party engine installed from packed tarballs, without engine-cpu", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "plugml-third-party-"));
    const packs = join(dir, "packs");
    mkdirSync(packs);
    const core = npm(["pack", "--silent", "--pack-destination", packs, join(root, "packages", "core")], root).trim().split("\n").pop()!;
    const engineDir = join(dir, "plugml-engine-naive");
    mkdirSync(engineDir);
    writeFileSync(join(engineDir, "package.json"), JSON.stringify({ name: "plugml-engine-naive", version: "1.0.0", type: "module", exports: "./index.js", peerDependencies: { "@plugml/core": "*" } }));
    writeFileSync(join(engineDir, "index.js"), ENGINE_SOURCE);
    const engine = npm(["pack", "--silent", "--pack-destination", packs, engineDir], dir).trim().split("\n").pop()!;
    const app = join(dir, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    npm(["install", "--no-audit", "--no-fund", "--prefer-offline", join(packs, core), join(packs, engine)], app);
    writeFileSync(join(app, "main.mjs"), USER_SCRIPT);
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("fits and predicts with the default fallback on, and names what to install when it declines", () => {
    const app = join(dir, "app");
    expect(existsSync(join(app, "node_modules", "@plugml", "engine-cpu"))).toBe(false);
    const [ran, declined] = execFileSync(process.execPath, ["main.mjs"], { cwd: app, encoding: "utf8" }).trim().split("\n").map((l) => JSON.parse(l));
    expect(ran).toEqual({
      predicted: ["small", "large"],
      engine: "naive",
      trace: ["naive:ran", "naive:ran", "naive:ran", "naive:ran"],
    });
    expect(declined.name).toBe("EngineNotFoundError");
    expect(declined.message).toBe(
      'Engine "cpu" is not registered and none of the packages @plugml/engine-cpu, plugml-engine-cpu could be loaded. ' +
        'It was needed because "naive" declined (only uniform euclidean votes). ' +
        "Install it with `npm install @plugml/engine-cpu`, or call registerEngine() with the engine object.",
    );
  });
});
