import { createHmac, timingSafeEqual } from 'node:crypto';

/** The claims every token carries. `roles` holds at least one of admin, manager, rep, integration. */
export type CrmClaims = {
  sub: string;
  tenant: string;
  roles: string[];
  exp?: number;
  iat?: number;
};

export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

const base64url = (input: Buffer | string) => Buffer.from(input).toString('base64url');

/** HS256 signing, for development tokens and tests. */
export const signHs256 = (claims: CrmClaims, secret: string, options: { expiresInSeconds?: number; now?: number } = {}): string => {
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const payload = { ...claims, iat, ...(options.expiresInSeconds ? { exp: iat + options.expiresInSeconds } : {}) };
  const unsigned = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
};

/** Verifies an HS256 token and its claims; any defect is an InvalidTokenError. */
export const verifyHs256 = (token: string, secret: string, now: number = Date.now()): CrmClaims => {
  const parts = token.split('.');
  if (parts.length !== 3) throw new InvalidTokenError('malformed token');
  const [header, payload, signature] = parts;
  let parsedHeader: { alg?: string };
  let claims: Partial<CrmClaims> & { nbf?: number };
  try {
    parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<CrmClaims>;
  } catch {
    throw new InvalidTokenError('malformed token');
  }
  if (parsedHeader.alg !== 'HS256') throw new InvalidTokenError(`unsupported algorithm ${String(parsedHeader.alg)}`);
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidTokenError('bad signature');
  const seconds = Math.floor(now / 1000);
  if (typeof claims.exp === 'number' && claims.exp < seconds) throw new InvalidTokenError('token expired');
  if (typeof claims.nbf === 'number' && claims.nbf > seconds + 60) throw new InvalidTokenError('token not yet valid');
  if (typeof claims.sub !== 'string' || !claims.sub) throw new InvalidTokenError('token has no sub');
  if (typeof claims.tenant !== 'string' || !claims.tenant) throw new InvalidTokenError('token has no tenant');
  if (!Array.isArray(claims.roles) || claims.roles.length === 0 || !claims.roles.every((role) => typeof role === 'string')) {
    throw new InvalidTokenError('token has no roles');
  }
  return { sub: claims.sub, tenant: claims.tenant, roles: claims.roles, exp: claims.exp, iat: claims.iat };
};
