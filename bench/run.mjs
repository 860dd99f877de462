// `npm run bench`: runs every benchmark in bench/benchmarks/, prints a table with each figure beside
// a baseline measured in the same run on the same machine, and writes the results as JSON to
// bench/results/. Benchmarks never gate tests; they report.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(join(here, 'benchmarks')).filter((file) => file.endsWith('.bench.mjs') && (only.length === 0 || only.some((name) => file.includes(name))));
const results = [];
for (const file of files.sort()) {
  const bench = await import(join(here, 'benchmarks', file));
  process.stdout.write(`running ${bench.name} ...\n`);
  for (const row of await bench.run()) results.push({ benchmark: bench.name, ...row });
}

const format = (value) => (typeof value === 'number' ? (Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3)) : String(value));
const header = ['benchmark', 'case', 'measure', 'value', 'baseline', 'baseline value', 'ratio', 'note'];
const rows = results.map((r) => [r.benchmark, r.case, r.measure, format(r.value), r.baselineName, format(r.baseline), `${(r.value / r.baseline).toFixed(2)}x`, r.note ?? '']);
const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
const line = (cells) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ');
console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}`);

mkdirSync(join(here, 'results'), { recursive: true });
const file = join(here, 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2));
console.log(`\nresults written to ${file}`);
