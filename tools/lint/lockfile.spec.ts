import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('package-lock.json', () => {
  it('lists every optional platform binary, so `npm ci` accepts it on a clean clone', () => {
    const result = spawnSync('node', [join(__dirname, '..', 'lockfile-platform-entries.mjs'), '--check'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
