// Prints the closing line CI reads, "tests: N passed, N failed", and keeps it in a file so .ci/run
// can repeat it as the very last line after jest's own summary.
const fs = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed`;
    console.log(line);
    if (process.env.CRM_HUB_TEST_SUMMARY) fs.writeFileSync(process.env.CRM_HUB_TEST_SUMMARY, line + '\n');
  }
}
module.exports = SummaryReporter;
