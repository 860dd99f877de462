// `npm test`: every project's Jest suite through Nx, one project at a time (they share one
// PostgreSQL and one Kafka broker), then a single closing line with the totals.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const summaryDir = mkdtempSync(join(tmpdir(), 'crm-test-summary-'));
const extra = process.argv.slice(2);
const run = spawnSync(join(root, 'node_modules/.bin/nx'), ['run-many', '-t', 'test', '--parallel=1', '--outputStyle=stream', ...extra], {
  cwd: root,
  stdio: 'inherit',
  env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', ...process.env, CRM_TEST_SUMMARY_DIR: summaryDir },
});

const totals = { passed: 0, failed: 0, skipped: 0, projects: 0 };
for (const file of readdirSync(summaryDir)) {
  const result = JSON.parse(readFileSync(join(summaryDir, file), 'utf8'));
  totals.passed += result.passed;
  totals.failed += result.failed;
  totals.skipped += result.skipped;
  totals.projects += 1;
}
rmSync(summaryDir, { recursive: true, force: true });
const status = run.status ?? 1;
if (status !== 0 && totals.failed === 0) totals.failed = 1; // a project that crashed before reporting
console.log(`\n${totals.projects} projects`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(status);
