// Prints the closing line CI reads, "tests: N passed, N failed, N skipped", and keeps it in a file so
// .ci/run can repeat it as the very last line after jest's own summary. Skipped counts it.skip,
// describe.skip and it.todo, so a test switched off is seen in the one line people read.
const fs = require('node:fs');

function summaryLine(results) {
  const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
  const skipped = results.numPendingTests + results.numTodoTests;
  return `tests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped`;
}

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const line = summaryLine(results);
    console.log(line);
    if (process.env.CRM_HUB_TEST_SUMMARY) fs.writeFileSync(process.env.CRM_HUB_TEST_SUMMARY, line + '\n');
  }
}
module.exports = SummaryReporter;
module.exports.summaryLine = summaryLine;
