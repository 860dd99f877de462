import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwksKeySource } from './jwks';
import { ClaimChecks, CrmClaims, decodeToken, InvalidTokenError, tokenKeyId, verifyHs256, verifyRs256 } from './jwt';
import { actorFromClaims, IS_PUBLIC, RequestActor } from './request-context';

export const AUTH_SETTINGS = Symbol('AUTH_SETTINGS');
/** How bearer tokens are verified: an HS256 shared secret, or RS256 with the issuer's keys from a JWKS URL. */
export type AuthSettings = ClaimChecks & ({ algorithm?: 'HS256'; hs256Secret: string } | { algorithm: 'RS256'; jwks: JwksKeySource });

/** Verifies a token as the settings say; only the configured algorithm is accepted. */
export const verifyToken = async (token: string, settings: AuthSettings, now: number = Date.now()): Promise<CrmClaims> => {
  const checks: ClaimChecks = { issuer: settings.issuer, audience: settings.audience };
  if (settings.algorithm === 'RS256') {
    // Refused before any key lookup, so that junk tokens never make the JWKS be fetched.
    const { alg } = decodeToken(token).header;
    if (alg !== 'RS256') throw new InvalidTokenError(`unsupported algorithm ${String(alg)}`);
    return verifyRs256(token, await settings.jwks.keyFor(tokenKeyId(token)), now, checks);
  }
  return verifyHs256(token, settings.hs256Secret, now, checks);
};

/** `traceparent`: the request's server span, set by the tracing hook when tracing is on. */
type GuardedRequest = { headers: Record<string, string | string[] | undefined>; actor?: RequestActor; traceparent?: string };

/** Requires a valid bearer JWT on every route not marked @Public(); 401 otherwise. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException('a bearer token is required');
    try {
      const claims = await verifyToken(match[1], this.settings);
      const correlation = request.headers['x-correlation-id'];
      const traceparent = request.traceparent ?? request.headers.traceparent;
      request.actor = actorFromClaims(claims, typeof correlation === 'string' ? correlation : undefined, typeof traceparent === 'string' ? traceparent : undefined);
      return true;
    } catch (error) {
      throw new UnauthorizedException(error instanceof InvalidTokenError ? error.message : 'invalid token');
    }
  }
}
