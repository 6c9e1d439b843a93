// Vite config of the browser demo. The two headers make the page cross-origin isolated (self.crossOriginIsolated),
// which gives it SharedArrayBuffer and so lets engine-cpu run its WebAssembly kernels on a pool of Web Workers. They
// are needed on the dev server and on `vite preview` alike (and on whatever serves dist/ in production); Vite would
// copy server.headers to preview, but both are set so that neither depends on the other.
import { defineConfig } from "vite";

const crossOriginIsolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  server: { headers: crossOriginIsolation, host: "127.0.0.1" },
  preview: { headers: crossOriginIsolation, host: "127.0.0.1" },
  build: {
    target: "es2022",
    // engine-webgpu imports the Node-only binding ("webgpu") by a computed specifier, only where navigator.gpu is
    // missing, so the bundler never follows it; external keeps it out of the bundle should it ever be seen.
    rolldownOptions: { external: ["webgpu"] },
  },
});
