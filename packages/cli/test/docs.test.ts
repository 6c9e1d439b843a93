// The shell blocks of docs/cli.md run as a reader would run them, in order, in one folder holding data/iris.csv,
// with `plugml` on PATH (the built executable). `npm` lines (installing) and comments are not run. A ```text
// block directly after a ```sh block is the block's expected output (stdout and stderr together); a block without
// one must succeed (bash -e, pipefail).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, root, tempDir } from "./run.js";

interface ShellBlock {
  line: number;
  script: string;
  expected?: string;
}

function shellBlocks(path: string): ShellBlock[] {
  const text = readFileSync(path, "utf8");
  const fence = /^```sh[ \t]*\n([\s\S]*?)^```[ \t]*\n(?:[ \t]*\n)*(?:^```text[ \t]*\n([\s\S]*?)^```[ \t]*$)?/gm;
  return [...text.matchAll(fence)].map((m) => ({
    line: text.slice(0, m.index).split("\n").length,
    script: m[1]
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("#") && !l.startsWith("npm "))
      .join("\n"),
    expected: m[2],
  }));
}

const blocks = shellBlocks(join(root, "docs", "cli.md"));
const dir = tempDir();

beforeAll(() => {
  mkdirSync(join(dir, "data"));
  copyFileSync(join(root, "data", "iris.csv"), join(dir, "data", "iris.csv"));
  mkdirSync(join(dir, "bin"));
  writeFileSync(join(dir, "bin", "plugml"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(dir, "bin", "plugml"), 0o755);
});

it("docs/cli.md has shell examples of every command, and checked outputs", () => {
  const all = blocks.map((b) => b.script).join("\n");
  for (const command of ["fit", "predict", "engines", "explain"]) expect(all).toMatch(new RegExp(`^plugml ${command}\\b`, "m"));
  expect(blocks.filter((b) => b.expected !== undefined).length).toBeGreaterThanOrEqual(4);
});

// In document order: later blocks use the models earlier ones wrote.
describe.each(blocks.filter((b) => b.script !== ""))("docs/cli.md", (block) => {
  it(`:${block.line} ${block.expected === undefined ? "succeeds" : "prints what the doc shows"}`, () => {
    const env = { ...process.env, PATH: `${join(dir, "bin")}:${process.env.PATH}` };
    if (block.expected === undefined) {
      execFileSync("bash", ["-e", "-o", "pipefail", "-c", block.script], { cwd: dir, env, stdio: "pipe" });
    } else {
      const r = spawnSync("bash", ["-c", `{\n${block.script}\n} 2>&1`], { cwd: dir, env, encoding: "utf8" });
      expect(r.stdout.trim()).toBe(block.expected.trim());
    }
  });
});
