// Mints a bearer token with the development secret (JWT_SECRET, else DATA_DIR/jwt-secret that the
// embedded app created): npm run token -- --role rep --sub <user id> --tenant <tenant> [--days 30]
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    role: { type: 'string', multiple: true, default: ['admin'] },
    sub: { type: 'string', default: 'dev-admin' },
    tenant: { type: 'string', default: 'default' },
    days: { type: 'string', default: '30' },
  },
});
const roles = values.role.flatMap((role) => role.split(','));
const allowed = ['admin', 'manager', 'rep', 'integration'];
const unknown = roles.filter((role) => !allowed.includes(role));
if (unknown.length) {
  console.error(`token: unknown role ${unknown.join(', ')} (one of ${allowed.join(', ')})`);
  process.exit(2);
}
const secretFile = join(resolve(process.env.DATA_DIR ?? '.data'), 'jwt-secret');
const secret = process.env.JWT_SECRET ?? (existsSync(secretFile) ? readFileSync(secretFile, 'utf8').trim() : undefined);
if (!secret) {
  console.error(`token: no JWT_SECRET and no ${secretFile}; start the embedded app once (npm start) or set JWT_SECRET`);
  process.exit(2);
}
const iat = Math.floor(Date.now() / 1000);
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: values.sub, tenant: values.tenant, roles, iat, exp: iat + Number(values.days) * 86400 })}`;
console.log(`${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`);
