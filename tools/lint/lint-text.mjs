// Lints source text as if it were the file at the given path, with the workspace's ESLint config.
// Input (stdin): JSON [{ filePath, code }]. Output (stdout): JSON [{ filePath, messages: [{ ruleId, message }] }].
// Runs as its own process because ESLint loads its flat config with import(), which Jest's
// module sandbox does not support.
import { ESLint } from 'eslint';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const eslint = new ESLint({ cwd: process.cwd() });
const results = [];
for (const { filePath, code } of cases) {
  const [result] = await eslint.lintText(code, { filePath });
  results.push({ filePath, messages: result.messages.map(({ ruleId, message }) => ({ ruleId, message })) });
}
process.stdout.write(JSON.stringify(results));
