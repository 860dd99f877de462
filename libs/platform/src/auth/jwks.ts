import { createPublicKey, JsonWebKey, KeyObject } from 'node:crypto';
import { InvalidTokenError } from './jwt';

export type JwksOptions = {
  url: string;
  /** A fetch taking longer is abandoned (default 5 s). */
  timeoutMs?: number;
  /** Keys are fetched again after this long even when every kid is known (default 10 min). */
  maxAgeMs?: number;
  /**
   * Fetches at most once per this interval (default 30 s): a token with an unknown kid triggers a
   * refetch, and a stream of made-up kids must not turn into a stream of requests to the issuer.
   */
  minRefetchIntervalMs?: number;
  now?: () => number;
};

/** The signing keys are unknown and could not be fetched: the token cannot be verified (a 401, not a 500). */
export class JwksUnavailableError extends InvalidTokenError {}

type Jwk = JsonWebKey & { kid?: unknown; use?: unknown; alg?: unknown; kty?: unknown };

/**
 * The issuer's RSA signing keys from its JWKS URL, cached by kid. A kid not in the cache refetches
 * (rotation), limited by `minRefetchIntervalMs`; concurrent lookups share one fetch; a failed fetch
 * keeps the keys already known.
 */
export class JwksKeySource {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inFlight?: Promise<void>;
  private lastError?: string;
  private readonly timeoutMs: number;
  private readonly maxAgeMs: number;
  private readonly minRefetchIntervalMs: number;
  private readonly now: () => number;
  /** How many times the JWKS was requested (for tests and metrics). */
  fetches = 0;

  constructor(private readonly options: JwksOptions) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxAgeMs = options.maxAgeMs ?? 600_000;
    this.minRefetchIntervalMs = options.minRefetchIntervalMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** The public key for a token's kid (a token without one may use a JWKS holding a single key). */
  async keyFor(kid: string | undefined): Promise<KeyObject> {
    if (this.now() - this.fetchedAt > this.maxAgeMs) await this.refreshIfAllowed();
    let key = this.find(kid);
    if (!key) {
      await this.refreshIfAllowed();
      key = this.find(kid);
    }
    if (key) return key;
    if (this.fetchedAt === Number.NEGATIVE_INFINITY) throw new JwksUnavailableError(`signing keys unavailable: ${this.lastError ?? 'not fetched yet'}`);
    throw new InvalidTokenError(kid === undefined ? 'token names no key id' : `unknown key id ${kid}`);
  }

  private find(kid: string | undefined): KeyObject | undefined {
    if (kid !== undefined) return this.keys.get(kid);
    return this.keys.size === 1 ? [...this.keys.values()][0] : undefined;
  }

  private async refreshIfAllowed(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.now() - this.attemptedAt < this.minRefetchIntervalMs) return;
    this.attemptedAt = this.now();
    this.inFlight = this.fetchKeys()
      .catch((error: unknown) => {
        this.lastError = error instanceof Error ? error.message : String(error);
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    this.fetches += 1;
    const response = await fetch(this.options.url, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' }, redirect: 'error' });
    if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
    const body = (await response.json()) as { keys?: unknown };
    if (!Array.isArray(body.keys)) throw new Error('JWKS has no keys array');
    const keys = new Map<string, KeyObject>();
    for (const jwk of body.keys as Jwk[]) {
      if (!jwk || typeof jwk !== 'object' || jwk.kty !== 'RSA' || typeof jwk.kid !== 'string') continue;
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      if (jwk.alg !== undefined && jwk.alg !== 'RS256') continue;
      try {
        const { kid: _kid, use: _use, alg: _alg, ...material } = jwk;
        keys.set(jwk.kid, createPublicKey({ key: material as JsonWebKey, format: 'jwk' }));
      } catch {
        // One malformed key does not make the others unusable.
      }
    }
    this.keys = keys;
    this.fetchedAt = this.now();
    this.lastError = undefined;
  }
}
