import { actorFromClaims } from './request-context';
import { InvalidTokenError, signHs256, verifyHs256 } from './jwt';

const secret = 'a-development-secret-of-at-least-32-chars';
const claims = { sub: 'u1', tenant: 't1', roles: ['rep'] };

describe('HS256 tokens', () => {
  it('round-trips claims', () => {
    expect(verifyHs256(signHs256(claims, secret), secret)).toMatchObject(claims);
  });

  it.each([
    ['another secret', () => verifyHs256(signHs256(claims, secret), `${secret}x`), /bad signature/],
    ['a tampered payload', () => {
      const [h, , s] = signHs256(claims, secret).split('.');
      const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url');
      return verifyHs256(`${h}.${forged}.${s}`, secret);
    }, /bad signature/],
    ['an expired token', () => verifyHs256(signHs256(claims, secret, { expiresInSeconds: 60, now: Date.now() - 3600_000 }), secret), /expired/],
    ['alg none', () => {
      const [, p] = signHs256(claims, secret).split('.');
      return verifyHs256(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`, secret);
    }, /unsupported algorithm/],
    ['no tenant', () => verifyHs256(signHs256({ ...claims, tenant: '' }, secret), secret), /no tenant/],
    ['no roles', () => verifyHs256(signHs256({ ...claims, roles: [] }, secret), secret), /no roles/],
    ['garbage', () => verifyHs256('abc', secret), /malformed/],
  ])('rejects %s', (_name, verify, message) => {
    expect(verify).toThrow(InvalidTokenError);
    expect(verify).toThrow(message);
  });

  it('records the most privileged known role as the acting role', () => {
    expect(actorFromClaims({ sub: 'u', tenant: 't', roles: ['rep', 'manager', 'auditor'] }, 'corr-1')).toMatchObject({ role: 'manager', roles: ['rep', 'manager'], correlationId: 'corr-1' });
    expect(actorFromClaims({ sub: 'u', tenant: 't', roles: ['rep'] }, 'bad header with spaces').correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(() => actorFromClaims({ sub: 'u', tenant: 't', roles: ['auditor'] }, undefined)).toThrow();
  });
});
