// Records each Jest run's totals so `npm test` can print one closing line for all projects.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.globalConfig = globalConfig;
  }

  onRunComplete(_contexts, results) {
    const dir = process.env.CRM_TEST_SUMMARY_DIR;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    const name = (this.globalConfig.rootDir || 'project').replace(/[^a-zA-Z0-9]+/g, '_');
    writeFileSync(
      join(dir, `${name}-${process.pid}.json`),
      JSON.stringify({
        project: this.globalConfig.rootDir,
        passed: results.numPassedTests,
        failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
        skipped: results.numPendingTests + results.numTodoTests,
      }),
    );
  }
}

module.exports = SummaryReporter;
