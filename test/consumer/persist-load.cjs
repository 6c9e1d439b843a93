// Process 2 of the save/load check, as CommonJS: @plugml/core through require(), then loadedReport (persist-data.mjs).
const core = require("@plugml/core");
const { loadedReport } = require("./persist-data.mjs");

loadedReport(core)
  .then((report) => console.log(report))
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
