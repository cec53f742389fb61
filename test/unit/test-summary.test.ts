/**
 * The one line CI ends with: the jest reporter counts skipped and todo tests, and .ci/run turns a
 * failed run that reports "0 failed" into "1 failed" with the skipped suffix kept.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Reporter = require('../summary-reporter') as {
  new (
    globalConfig: unknown,
    options?: { accumulate?: boolean },
  ): {
    onRunComplete(contexts: unknown, results: Record<string, number>): void;
  };
  summaryLine: (results: Record<string, number>) => string;
};
const { summaryLine } = Reporter;
const ciRun = path.join(__dirname, '..', '..', '.ci', 'run');

const results = (counts: Partial<Record<string, number>>) => ({
  numPassedTests: 0,
  numFailedTests: 0,
  numRuntimeErrorTestSuites: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  ...counts,
});

describe('the test summary line', () => {
  it('shows skipped and todo tests, and counts a suite that failed to run as failed', () => {
    expect(summaryLine(results({ numPassedTests: 740, numPendingTests: 2, numTodoTests: 1 }))).toBe(
      'tests: 740 passed, 0 failed, 3 skipped',
    );
    expect(summaryLine(results({ numPassedTests: 5, numFailedTests: 1, numRuntimeErrorTestSuites: 1 }))).toBe(
      'tests: 5 passed, 2 failed, 0 skipped',
    );
  });

  it('adds the fault run to the main run in the file CI reads, and starts afresh without accumulate', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-accumulate-'));
    const file = path.join(dir, 'summary');
    const saved = process.env.CRM_HUB_TEST_SUMMARY;
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      process.env.CRM_HUB_TEST_SUMMARY = file;
      fs.writeFileSync(file, 'tests: 1 passed, 0 failed, 0 skipped\n'); // a stale earlier run
      new Reporter({}).onRunComplete([], results({ numPassedTests: 2000, numPendingTests: 1 }));
      expect(fs.readFileSync(file, 'utf8')).toBe('tests: 2000 passed, 0 failed, 1 skipped\n');
      new Reporter({}, { accumulate: true }).onRunComplete(
        [],
        results({ numPassedTests: 2, numFailedTests: 1 }),
      );
      expect(fs.readFileSync(file, 'utf8')).toBe('tests: 2002 passed, 1 failed, 1 skipped\n');
    } finally {
      log.mockRestore();
      if (saved === undefined) delete process.env.CRM_HUB_TEST_SUMMARY;
      else process.env.CRM_HUB_TEST_SUMMARY = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('.ci/run --final-line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-summary-'));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const finalLine = (status: number, line?: string) => {
      const file = path.join(dir, `summary-${status}-${line?.length ?? 0}`);
      if (line !== undefined) fs.writeFileSync(file, `${line}\n`);
      return execFileSync('bash', [ciRun, '--final-line', String(status), file], { encoding: 'utf8' }).trim();
    };

    it('repeats the reporter line of a green run', () => {
      expect(finalLine(0, 'tests: 740 passed, 0 failed, 3 skipped')).toBe(
        'tests: 740 passed, 0 failed, 3 skipped',
      );
    });

    it('never reports 0 failed for a failed run, with or without the skipped count', () => {
      expect(finalLine(1, 'tests: 740 passed, 0 failed, 3 skipped')).toBe(
        'tests: 740 passed, 1 failed, 3 skipped',
      );
      expect(finalLine(1, 'tests: 740 passed, 0 failed')).toBe('tests: 740 passed, 1 failed');
      expect(finalLine(1, 'tests: 730 passed, 10 failed, 0 skipped')).toBe(
        'tests: 730 passed, 10 failed, 0 skipped',
      );
    });

    it('reports a failure when jest never wrote a summary', () => {
      expect(finalLine(1)).toBe('tests: 0 passed, 1 failed');
    });
  });
});
