import { createHmac, KeyObject, sign as cryptoSign, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';

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

/** Checks beyond the signature: who issued the token and for whom (both optional, by configuration). */
export type ClaimChecks = { issuer?: string; audience?: string };

type DecodedToken = { header: { alg?: unknown; kid?: unknown }; claims: Partial<CrmClaims> & { nbf?: number; iss?: unknown; aud?: unknown }; signingInput: string; signature: Buffer };

/** Splits and parses a compact JWS without trusting anything in it yet. */
export const decodeToken = (token: string): DecodedToken => {
  const parts = token.split('.');
  if (parts.length !== 3) throw new InvalidTokenError('malformed token');
  const [header, payload, signature] = parts;
  try {
    const parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as DecodedToken['header'];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as DecodedToken['claims'];
    if (!parsedHeader || typeof parsedHeader !== 'object' || !claims || typeof claims !== 'object') throw new Error('not objects');
    return { header: parsedHeader, claims, signingInput: `${header}.${payload}`, signature: Buffer.from(signature, 'base64url') };
  } catch {
    throw new InvalidTokenError('malformed token');
  }
};

/** The key id a token names, for picking its verification key; undefined when it names none. */
export const tokenKeyId = (token: string): string | undefined => {
  const { kid } = decodeToken(token).header;
  return typeof kid === 'string' ? kid : undefined;
};

const requireAlgorithm = (decoded: DecodedToken, expected: 'HS256' | 'RS256') => {
  // The configured algorithm decides, never the token: an HS256 token signed with an RS256 public
  // key as its secret, or alg "none", is refused here (algorithm confusion).
  if (decoded.header.alg !== expected) throw new InvalidTokenError(`unsupported algorithm ${String(decoded.header.alg)}`);
};

const checkedClaims = (decoded: DecodedToken, now: number, checks: ClaimChecks): CrmClaims => {
  const { claims } = decoded;
  const seconds = Math.floor(now / 1000);
  if (typeof claims.exp === 'number' && claims.exp < seconds) throw new InvalidTokenError('token expired');
  if (typeof claims.nbf === 'number' && claims.nbf > seconds + 60) throw new InvalidTokenError('token not yet valid');
  if (checks.issuer !== undefined && claims.iss !== checks.issuer) throw new InvalidTokenError('token has the wrong issuer');
  if (checks.audience !== undefined) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(checks.audience)) throw new InvalidTokenError('token is not for this audience');
  }
  if (typeof claims.sub !== 'string' || !claims.sub) throw new InvalidTokenError('token has no sub');
  if (typeof claims.tenant !== 'string' || !claims.tenant) throw new InvalidTokenError('token has no tenant');
  if (!Array.isArray(claims.roles) || claims.roles.length === 0 || !claims.roles.every((role) => typeof role === 'string')) {
    throw new InvalidTokenError('token has no roles');
  }
  return { sub: claims.sub, tenant: claims.tenant, roles: claims.roles, exp: claims.exp, iat: claims.iat };
};

/** Verifies an HS256 token and its claims; any defect is an InvalidTokenError. */
export const verifyHs256 = (token: string, secret: string, now: number = Date.now(), checks: ClaimChecks = {}): CrmClaims => {
  const decoded = decodeToken(token);
  requireAlgorithm(decoded, 'HS256');
  const expected = createHmac('sha256', secret).update(decoded.signingInput).digest();
  const given = decoded.signature;
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidTokenError('bad signature');
  return checkedClaims(decoded, now, checks);
};

/** RS256 signing (RSASSA-PKCS1-v1_5 with SHA-256), for tests and for issuers built on this lib. */
export const signRs256 = (claims: CrmClaims & { iss?: string; aud?: string | string[] }, privateKey: KeyObject, kid: string | undefined, options: { expiresInSeconds?: number; now?: number } = {}): string => {
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const payload = { ...claims, iat, ...(options.expiresInSeconds ? { exp: iat + options.expiresInSeconds } : {}) };
  const unsigned = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', ...(kid ? { kid } : {}) }))}.${base64url(JSON.stringify(payload))}`;
  return `${unsigned}.${cryptoSign('sha256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
};

/** Verifies an RS256 token with the RSA public key its `kid` named, and its claims; any defect is an InvalidTokenError. */
export const verifyRs256 = (token: string, publicKey: KeyObject, now: number = Date.now(), checks: ClaimChecks = {}): CrmClaims => {
  const decoded = decodeToken(token);
  requireAlgorithm(decoded, 'RS256');
  if (publicKey.asymmetricKeyType !== 'rsa') throw new InvalidTokenError('the key is not an RSA key');
  let valid = false;
  try {
    valid = cryptoVerify('sha256', Buffer.from(decoded.signingInput), publicKey, decoded.signature);
  } catch {
    valid = false;
  }
  if (!valid) throw new InvalidTokenError('bad signature');
  return checkedClaims(decoded, now, checks);
};
