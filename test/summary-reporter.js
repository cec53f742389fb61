// Prints the closing line CI reads, "tests: N passed, N failed, N skipped", and keeps it in a file so
// .ci/run can repeat it as the very last line after jest's own summary. Skipped counts it.skip,
// describe.skip and it.todo, so a test switched off is seen in the one line people read.
// `npm test` runs jest twice (the fault tests restart the broker, so they run alone after the rest):
// the second run is configured with { accumulate: true } and adds its counts to the first run's line.
const fs = require('node:fs');

const LINE = /^tests: (\d+) passed, (\d+) failed, (\d+) skipped$/;

function summaryLine(results, before = { passed: 0, failed: 0, skipped: 0 }) {
  const passed = before.passed + results.numPassedTests;
  const failed = before.failed + results.numFailedTests + results.numRuntimeErrorTestSuites;
  const skipped = before.skipped + results.numPendingTests + results.numTodoTests;
  return `tests: ${passed} passed, ${failed} failed, ${skipped} skipped`;
}

/** The counts of an earlier run's line; none when there is no such line. */
function parseLine(text) {
  const m = LINE.exec(String(text).trim());
  return m ? { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]) } : undefined;
}

class SummaryReporter {
  constructor(_globalConfig, options = {}) {
    this.accumulate = Boolean(options.accumulate);
  }

  onRunComplete(_contexts, results) {
    const file = process.env.CRM_HUB_TEST_SUMMARY;
    let before;
    if (this.accumulate && file && fs.existsSync(file)) before = parseLine(fs.readFileSync(file, 'utf8'));
    const line = summaryLine(results, before);
    console.log(line);
    if (file) fs.writeFileSync(file, line + '\n');
  }
}
module.exports = SummaryReporter;
module.exports.summaryLine = summaryLine;
module.exports.parseLine = parseLine;
