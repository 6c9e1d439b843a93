// Process 2 of the save/load check (ES module): @plugml/core imported, then loadedReport (persist-data.mjs).
import * as core from "@plugml/core";
import { loadedReport } from "./persist-data.mjs";

console.log(await loadedReport(core));
