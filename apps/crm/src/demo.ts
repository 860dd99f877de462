/* eslint-disable no-console */
import { loadConfig } from '@crm/platform';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What `npm start -- …` accepts: `--demo` only; anything else is a mistake worth saying so. */
export const parseArguments = (args: readonly string[]): { demo: boolean } | { error: string } => {
  const unknown = args.filter((arg) => arg !== '--demo');
  return unknown.length ? { error: `unknown argument ${unknown.map((arg) => `"${arg}"`).join(', ')}; usage: npm start [-- --demo]` } : { demo: args.includes('--demo') };
};

/**
 * `npm start -- --demo`: seeds the demo history (what `npm run demo` does, with its progress bar)
 * before the app starts, once per DATA_DIR: a marker file there makes a restart skip it. With
 * DATABASE_URL the demo script itself sees a complete history and changes nothing.
 */
export const seedDemo = async (env: NodeJS.ProcessEnv = process.env): Promise<void> => {
  const config = loadConfig(env);
  const marker = join(config.dataDir, 'demo-seeded');
  if (!config.databaseUrl && existsSync(marker)) {
    console.log(`crm: --demo: ${config.dataDir} holds the demo history already (${marker}): not seeding it again`);
    return;
  }
  const script = join(__dirname, '..', '..', '..', '..', 'tools', 'demo.mjs');
  if (!existsSync(script)) throw new Error(`--demo needs ${script} (run from the repository, after npm ci)`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env: { ...env, DEMO_FROM_APP: '1' }, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
  });
  if (code !== 0) throw new Error(`seeding the demo history failed (exit code ${code})`);
  if (!config.databaseUrl) writeFileSync(marker, `${new Date().toISOString()}\n`);
};
