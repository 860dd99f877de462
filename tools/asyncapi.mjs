// Writes docs/asyncapi.yaml, the AsyncAPI document of the event catalogue, from the compiled
// contracts lib: `npm run asyncapi` (builds first). libs/contracts/src/asyncapi.spec.ts fails when
// the committed file differs from what the contracts generate.
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { asyncApiDocument } = require(join(root, 'dist/libs/contracts/src/asyncapi.js'));

const target = join(root, 'docs/asyncapi.yaml');
const header = '# Generated from libs/contracts/src/asyncapi.ts by `npm run asyncapi`: do not edit. Served at GET /asyncapi.\n';
await mkdir(dirname(target), { recursive: true });
await writeFile(target, header + stringify(asyncApiDocument(), { aliasDuplicateObjects: false, lineWidth: 0 }));
console.log(`asyncapi: wrote ${relative(root, target)}`);
