// docs/engines/support.md is rendered from the engines' manifests by scripts/support-table.mjs: this fails when the
// committed file differs from what the manifests render now (run `npm run support-table` to regenerate it).
import { readFileSync } from "node:fs";
// @ts-expect-error: a plain JavaScript script (no declarations), imported to render exactly what it writes.
import { firstPartySupport, renderSupportTable, SUPPORT_FILE } from "../scripts/support-table.mjs";

describe("docs/engines/support.md", () => {
  it("is what the engines' manifests render (npm run support-table regenerates it)", () => {
    const rendered: string = renderSupportTable(firstPartySupport());
    expect(readFileSync(SUPPORT_FILE, "utf8")).toBe(rendered);
  });

  it("shows what the manifests declare, e.g. webgpu's neighbour limit and float32 precision, dask's missing Normalizer", () => {
    const text: string = renderSupportTable(firstPartySupport());
    expect(text).toContain("| largest nNeighbors | no limit | 64 | no limit |");
    expect(text).toContain("| computes in | the input's dtype | float32 | the input's dtype |");
    expect(text).toContain("| sample weights | yes | no | yes |");
    expect(text).toContain("| Normalizer | yes: float32, float64 | yes: float32, float64 | not implemented |");
  });
});
