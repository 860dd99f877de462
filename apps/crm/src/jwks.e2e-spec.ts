import { spawnApp, waitForListening } from '@crm/testing';
import { createHmac, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = () => ({ sub: 'rs-admin', tenant: 'rs-tenant', roles: ['admin'], iss: 'https://issuer.test/', aud: 'crm', iat: Math.floor(Date.now() / 1000) });

/** Signs as an identity provider would (written out here: the test plays the issuer, not the app). */
const rs256 = (privateKey: KeyObject, kid: string, payload: object = claims()) => {
  const unsigned = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(payload)}`;
  return `${unsigned}.${sign('sha256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
};

describe('RS256 bearer tokens with keys from a JWKS URL (embedded app)', () => {
  const first = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const second = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = (key: KeyObject, kid: string) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' });
  let published: object[] = [jwk(first.publicKey, 'k1')];
  let requests = 0;
  let server: Server;
  let url: string;
  let app: ReturnType<typeof spawnApp>;
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-rs256-'));

  const get = async (token: string) => (await fetch(`${url}/leads`, { headers: { authorization: `Bearer ${token}` } })).status;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      requests += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    app = spawnApp({
      DATA_DIR: dataDir,
      PORT: '0',
      JWT_ALGORITHM: 'RS256',
      JWT_JWKS_URL: jwksUrl,
      JWT_JWKS_MIN_REFETCH_MS: '0',
      JWT_ISSUER: 'https://issuer.test/',
      JWT_AUDIENCE: 'crm',
    });
    url = await waitForListening(app, 60_000);
  }, 90_000);

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    if (app.child.exitCode === null) app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints and writes no HS256 development token', () => {
    expect(existsSync(join(dataDir, 'dev-token'))).toBe(false);
    expect(app.output()).not.toContain('development admin token');
  });

  it('accepts a token signed by a published key, once fetched, and checks issuer and audience', async () => {
    expect(await get(rs256(first.privateKey, 'k1'))).toBe(200);
    expect(await get(rs256(first.privateKey, 'k1'))).toBe(200);
    expect(requests).toBe(1);
    expect(await get(rs256(first.privateKey, 'k1', { ...claims(), iss: 'https://elsewhere.test/' }))).toBe(401);
    expect(await get(rs256(first.privateKey, 'k1', { ...claims(), aud: 'billing' }))).toBe(401);
    expect(await get(rs256(second.privateKey, 'k1'))).toBe(401);
  });

  it('refuses HS256 (even keyed with the public key) and alg none: the configured algorithm decides', async () => {
    const pem = first.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${b64(claims())}`;
    const confused = `${unsigned}.${createHmac('sha256', pem).update(unsigned).digest('base64url')}`;
    const response = await fetch(`${url}/leads`, { headers: { authorization: `Bearer ${confused}` } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ status: 401, detail: expect.stringMatching(/unsupported algorithm HS256/) });
    expect(await get(`${b64({ alg: 'none', kid: 'k1' })}.${b64(claims())}.`)).toBe(401);
  });

  it('fetches the key set again for a new kid (rotation)', async () => {
    const before = requests;
    expect(await get(rs256(second.privateKey, 'k2'))).toBe(401);
    published = [jwk(first.publicKey, 'k1'), jwk(second.publicKey, 'k2')];
    expect(await get(rs256(second.privateKey, 'k2'))).toBe(200);
    expect(requests).toBeGreaterThan(before);
  });

  it('answers 401, not 500, when the key set cannot be fetched; known keys keep working', async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const third = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const response = await fetch(`${url}/leads`, { headers: { authorization: `Bearer ${rs256(third.privateKey, 'k3')}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await get(rs256(first.privateKey, 'k1'))).toBe(200);
    // afterAll closes it again: listen once more so that close has something to close.
    server = createServer((_request, reply) => reply.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
});

describe('RS256 with an unreachable JWKS URL (embedded app)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-rs256-down-'));
  let app: ReturnType<typeof spawnApp>;
  let url: string;

  beforeAll(async () => {
    // A port that was free a moment ago: nothing answers there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    app = spawnApp({ DATA_DIR: dataDir, PORT: '0', JWT_ALGORITHM: 'RS256', JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` });
    url = await waitForListening(app, 60_000);
  }, 90_000);

  afterAll(async () => {
    if (app.child.exitCode === null) app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 401 with a problem document, and health still answers', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const response = await fetch(`${url}/leads`, { headers: { authorization: `Bearer ${rs256(privateKey, 'k1')}` } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ status: 401, detail: expect.stringMatching(/signing keys unavailable/) });
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });
});
