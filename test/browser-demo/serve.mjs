// Builds the browser demo (examples/browser-demo) with Vite's programmatic build() into the directory given as the
// first argument, then serves it with Vite's preview(), which applies the config's preview.headers (COOP/COEP), on
// 127.0.0.1 and a free port. Prints one JSON line, {"url": ...} or {"error": ...}, and serves until stdin closes
// or it is signalled. Run as a child process by test/browser-demo.test.ts, so Vite runs in plain Node, not in jest.
import { fileURLToPath } from "node:url";
import { build, preview } from "vite";

const root = fileURLToPath(new URL("../../examples/browser-demo/", import.meta.url));
const outDir = process.argv[2];

try {
  if (!outDir) throw new Error("usage: node serve.mjs OUT_DIR");
  const started = performance.now();
  await build({ root, logLevel: "warn", build: { outDir, emptyOutDir: true } });
  const buildMs = performance.now() - started;
  const server = await preview({ root, logLevel: "warn", build: { outDir }, preview: { host: "127.0.0.1", port: 0, strictPort: true, open: false } });
  const address = server.httpServer.address();
  const port = typeof address === "object" && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/`, buildMs: Math.round(buildMs) })}\n`);
  const stop = () => server.close().finally(() => process.exit(0));
  process.stdin.on("end", stop).resume();
  process.on("SIGTERM", stop);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ error: e instanceof Error ? e.stack ?? e.message : String(e) })}\n`);
  process.exit(1);
}
