import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AuthSettings, verifyToken } from './auth.guard';
import { JwksKeySource, JwksUnavailableError } from './jwks';
import { InvalidTokenError, signHs256, signRs256, verifyRs256 } from './jwt';

const claims = { sub: 'u1', tenant: 't1', roles: ['rep'] };
const rsaPair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwkOf = (key: KeyObject, kid: string) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' });
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const first = rsaPair();
const second = rsaPair();

describe('RS256 tokens', () => {
  it('round-trips claims with the signer’s public key', () => {
    expect(verifyRs256(signRs256(claims, first.privateKey, 'k1'), first.publicKey)).toMatchObject(claims);
  });

  it.each([
    ['another key', () => verifyRs256(signRs256(claims, first.privateKey, 'k1'), second.publicKey), /bad signature/],
    ['a tampered payload', () => {
      const [h, , s] = signRs256(claims, first.privateKey, 'k1').split('.');
      return verifyRs256(`${h}.${b64({ ...claims, roles: ['admin'] })}.${s}`, first.publicKey);
    }, /bad signature/],
    ['an HS256 token, even one keyed with the public key (algorithm confusion)', () => {
      const pem = first.publicKey.export({ format: 'pem', type: 'spki' }).toString();
      return verifyRs256(signHs256(claims, pem), first.publicKey);
    }, /unsupported algorithm HS256/],
    ['alg none', () => {
      const [, p] = signRs256(claims, first.privateKey, 'k1').split('.');
      return verifyRs256(`${b64({ alg: 'none' })}.${p}.`, first.publicKey);
    }, /unsupported algorithm none/],
    ['an expired token', () => verifyRs256(signRs256(claims, first.privateKey, 'k1', { expiresInSeconds: 60, now: Date.now() - 3_600_000 }), first.publicKey), /expired/],
    ['the wrong issuer', () => verifyRs256(signRs256({ ...claims, iss: 'https://evil/' }, first.privateKey, 'k1'), first.publicKey, Date.now(), { issuer: 'https://issuer/' }), /wrong issuer/],
    ['no issuer when one is required', () => verifyRs256(signRs256(claims, first.privateKey, 'k1'), first.publicKey, Date.now(), { issuer: 'https://issuer/' }), /wrong issuer/],
    ['another audience', () => verifyRs256(signRs256({ ...claims, aud: ['billing'] }, first.privateKey, 'k1'), first.publicKey, Date.now(), { audience: 'crm' }), /audience/],
  ])('rejects %s', (_name, verify, message) => {
    expect(verify).toThrow(InvalidTokenError);
    expect(verify).toThrow(message);
  });

  it('accepts the configured issuer and an audience list that holds ours', () => {
    const token = signRs256({ ...claims, iss: 'https://issuer/', aud: ['billing', 'crm'] }, first.privateKey, 'k1');
    expect(verifyRs256(token, first.publicKey, Date.now(), { issuer: 'https://issuer/', audience: 'crm' })).toMatchObject(claims);
  });
});

/** A real HTTP server publishing a JWKS that the test can change, slow down or take away. */
const startJwksServer = async () => {
  let keys: object[] = [];
  let hang = false;
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests += 1;
    if (hang) return; // never answers: the client's timeout must end the wait
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    publish: (next: object[]) => (keys = next),
    hang: () => (hang = true),
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

describe('JWKS key source over HTTP', () => {
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;
  beforeEach(async () => {
    jwks = await startJwksServer();
  });
  afterEach(async () => {
    await jwks.close();
  });

  it('fetches the keys once, then verifies from the cache', async () => {
    jwks.publish([jwkOf(first.publicKey, 'k1')]);
    const settings: AuthSettings = { algorithm: 'RS256', jwks: new JwksKeySource({ url: jwks.url }) };
    for (let i = 0; i < 3; i++) await expect(verifyToken(signRs256(claims, first.privateKey, 'k1'), settings)).resolves.toMatchObject(claims);
    expect(jwks.requests()).toBe(1);
  });

  it('fetches again for a new kid (rotation), but not more often than the minimum interval', async () => {
    let now = 1_000_000;
    const source = new JwksKeySource({ url: jwks.url, minRefetchIntervalMs: 30_000, now: () => now });
    const settings: AuthSettings = { algorithm: 'RS256', jwks: source };
    jwks.publish([jwkOf(first.publicKey, 'k1')]);
    await expect(verifyToken(signRs256(claims, first.privateKey, 'k1'), settings)).resolves.toMatchObject(claims);
    jwks.publish([jwkOf(first.publicKey, 'k1'), jwkOf(second.publicKey, 'k2')]);
    // Within the interval, an unknown kid is refused without asking the issuer again.
    now += 1_000;
    await expect(verifyToken(signRs256(claims, second.privateKey, 'k2'), settings)).rejects.toThrow(/unknown key id k2/);
    expect(jwks.requests()).toBe(1);
    now += 30_000;
    await expect(verifyToken(signRs256(claims, second.privateKey, 'k2'), settings)).resolves.toMatchObject(claims);
    expect(jwks.requests()).toBe(2);
    // Made-up kids right after cost no request either.
    await expect(verifyToken(signRs256(claims, second.privateKey, 'made-up'), settings)).rejects.toThrow(/unknown key id made-up/);
    expect(jwks.requests()).toBe(2);
    // A token signed by the right key under another key's kid does not verify.
    await expect(verifyToken(signRs256(claims, second.privateKey, 'k1'), settings)).rejects.toThrow(/bad signature/);
  });

  it('shares one fetch between concurrent lookups', async () => {
    jwks.publish([jwkOf(first.publicKey, 'k1')]);
    const settings: AuthSettings = { algorithm: 'RS256', jwks: new JwksKeySource({ url: jwks.url }) };
    const results = await Promise.all(Array.from({ length: 10 }, () => verifyToken(signRs256(claims, first.privateKey, 'k1'), settings)));
    expect(results).toHaveLength(10);
    expect(jwks.requests()).toBe(1);
  });

  it('refuses HS256 and none tokens without fetching any key when RS256 is configured', async () => {
    jwks.publish([jwkOf(first.publicKey, 'k1')]);
    const settings: AuthSettings = { algorithm: 'RS256', jwks: new JwksKeySource({ url: jwks.url }) };
    const pem = first.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    await expect(verifyToken(signHs256(claims, pem), settings)).rejects.toThrow(/unsupported algorithm HS256/);
    const [, p] = signRs256(claims, first.privateKey, 'k1').split('.');
    await expect(verifyToken(`${b64({ alg: 'none', kid: 'k1' })}.${p}.`, settings)).rejects.toThrow(/unsupported algorithm none/);
    expect(jwks.requests()).toBe(0);
  });

  it('ignores keys that are not RSA signing keys, and a token without kid needs a single-key set', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    jwks.publish([jwkOf(first.publicKey, 'k1'), jwkOf(second.publicKey, 'k2'), { ...jwkOf(second.publicKey, 'enc'), use: 'enc' }, { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec' }, { kty: 'RSA', kid: 'broken' }]);
    const settings: AuthSettings = { algorithm: 'RS256', jwks: new JwksKeySource({ url: jwks.url }) };
    await expect(verifyToken(signRs256(claims, second.privateKey, 'enc'), settings)).rejects.toThrow(/unknown key id enc/);
    await expect(verifyToken(signRs256(claims, second.privateKey, 'broken'), settings)).rejects.toThrow(/unknown key id broken/);
    await expect(verifyToken(signRs256(claims, second.privateKey, 'k2'), settings)).resolves.toMatchObject(claims);
    await expect(verifyToken(signRs256(claims, first.privateKey, undefined), settings)).rejects.toThrow(/token names no key id/);
    jwks.publish([jwkOf(first.publicKey, 'only')]);
    const single: AuthSettings = { algorithm: 'RS256', jwks: new JwksKeySource({ url: jwks.url }) };
    await expect(verifyToken(signRs256(claims, first.privateKey, undefined), single)).resolves.toMatchObject(claims);
  });

  it('is an InvalidTokenError (a 401), not a crash, when the JWKS cannot be fetched', async () => {
    const closed = jwks.url;
    await jwks.close();
    const unreachable = new JwksKeySource({ url: closed });
    const error = await verifyToken(signRs256(claims, first.privateKey, 'k1'), { algorithm: 'RS256', jwks: unreachable }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JwksUnavailableError);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect((error as Error).message).toMatch(/signing keys unavailable/);
    jwks = await startJwksServer(); // for afterEach
  });

  it('gives up on a JWKS that does not answer within the timeout', async () => {
    jwks.hang();
    const source = new JwksKeySource({ url: jwks.url, timeoutMs: 200 });
    const started = Date.now();
    await expect(verifyToken(signRs256(claims, first.privateKey, 'k1'), { algorithm: 'RS256', jwks: source })).rejects.toThrow(JwksUnavailableError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('keeps the known keys when a refetch after their max age fails', async () => {
    let now = 0;
    jwks.publish([jwkOf(first.publicKey, 'k1')]);
    const source = new JwksKeySource({ url: jwks.url, maxAgeMs: 1_000, minRefetchIntervalMs: 0, timeoutMs: 200, now: () => now });
    const settings: AuthSettings = { algorithm: 'RS256', jwks: source };
    await expect(verifyToken(signRs256(claims, first.privateKey, 'k1'), settings)).resolves.toMatchObject(claims);
    jwks.hang();
    now += 5_000;
    await expect(verifyToken(signRs256(claims, first.privateKey, 'k1'), settings)).resolves.toMatchObject(claims);
    expect(jwks.requests()).toBe(2);
  });
});
