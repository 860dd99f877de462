// `npm run chaos [-- jest options]`: the chaos scenario against this machine's PostgreSQL (which it
// restarts once) unless DATABASE_URL names another, and with the infrastructure required: a chaos
// run that skipped for want of Kafka would pass while proving nothing.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = spawnSync(join(root, 'node_modules/.bin/jest'), ['-c', 'tools/chaos/jest.config.js', '--runInBand', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', REQUIRE_INFRA: '1', ...process.env },
});
process.exit(run.status ?? 1);
