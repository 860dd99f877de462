// Adds lockfile entries for optional platform binaries that the registry mirror here does not
// serve (e.g. @swc/core-darwin-arm64 answers 404). npm then cannot record them, and `npm ci`
// refuses a lockfile whose packages declare optional dependencies it does not list. Each added
// entry carries the os/cpu its name encodes, so npm skips it on every other platform without
// fetching it. Run after `npm install` changes the lockfile: `node tools/lockfile-platform-entries.mjs`
// (`--check` only reports, exit 1 when entries are missing).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const oses = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony'];
const cpus = ['x64', 'arm64', 'arm', 'ia32', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32'];

const platformOf = (name) => {
  const tokens = name.split('/').pop().split(/[-_.]/);
  const os = oses.filter((candidate) => tokens.includes(candidate));
  const cpu = cpus.filter((candidate) => tokens.includes(candidate));
  const libc = tokens.includes('musl') ? ['musl'] : tokens.includes('gnu') && os.includes('linux') ? ['glibc'] : [];
  return { os, cpu, libc };
};

let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [dep, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    // A range (^1.2.3) stands for its lowest version: the entry is never installed here anyway.
    const version = /\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?/.exec(spec)?.[0];
    if (!version) continue;
    // Where Node would resolve it from this package: its own node_modules, then each parent's.
    const candidates = [];
    for (let base = path; ; base = base.includes('/node_modules/') ? base.slice(0, base.lastIndexOf('/node_modules/')) : '') {
      candidates.push(`${base ? `${base}/` : ''}node_modules/${dep}`);
      if (!base) break;
    }
    const resolved = candidates.find((candidate) => lock.packages[candidate]);
    if (resolved && lock.packages[resolved].version === version) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (os.length === 0 && cpu.length === 0) continue; // not a platform binary: leave it to npm
    // Nested beside the package that wants it when another version already sits higher up.
    lock.packages[resolved ? `${path}/node_modules/${dep}` : `node_modules/${dep}`] = {
      version,
      optional: true,
      ...(entry.dev ? { dev: true } : {}),
      ...(os.length ? { os } : {}),
      ...(cpu.length ? { cpu } : {}),
      ...(libc.length ? { libc } : {}),
    };
    added++;
  }
}
if (process.argv.includes('--check')) {
  if (added > 0) {
    console.error(`lockfile: ${added} optional platform entries missing; run node tools/lockfile-platform-entries.mjs`);
    process.exit(1);
  }
  console.log('lockfile: complete');
  process.exit(0);
}
const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lockfile: added ${added} platform entries`);
