// Runs once before all test files (jest's globalSetup): says in one line which optional parts of the suite this
// machine cannot run, and how to enable them. On CI nothing is optional: those tests fail instead of skipping.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export default function globalSetup() {
  if (process.env.CI) return;
  const probe = spawnSync(process.execPath, [new URL("../scripts/webgpu-probe.mjs", import.meta.url).pathname], { stdio: "ignore" });
  const missing = [];
  if (probe.status !== 0) missing.push("WebGPU tests (no adapter: run `sudo bash .ci/setup-webgpu.sh` to install Mesa's lavapipe)");
  if (!existsSync("/usr/bin/chromium")) missing.push("the browser test (no Chromium: `sudo apt-get install chromium`)");
  const dask = ["python3", "/usr/bin/python3"].some((p) => spawnSync(p, ["-c", "import distributed, numpy, msgpack"], { stdio: "ignore" }).status === 0);
  if (!dask) missing.push("the Dask engine's tests (no dask.distributed: `sudo apt-get install python3-distributed`)");
  if (missing.length) process.stderr.write(`\nplugml: skipping ${missing.join(" and ")}.\n`);
}
