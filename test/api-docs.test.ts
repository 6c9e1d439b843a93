// The API reference (`npm run docs`, TypeDoc over the three packages' public entry points) builds without a single
// warning: every type a public signature mentions is exported or deliberately internal, and no TSDoc link dangles.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

it("TypeDoc documents every public entry point without warnings", () => {
  // --emit none: check and convert everything, write nothing (npm run docs writes docs-api/).
  const run = spawnSync(process.execPath, [`${root}/node_modules/typedoc/bin/typedoc`, "--emit", "none"], { cwd: root, encoding: "utf8" });
  const output = `${run.stdout}${run.stderr}`;
  expect(output).not.toMatch(/\[warning\]|\[error\]/);
  expect(run.status).toBe(0);
}, 120_000);
