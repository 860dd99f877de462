import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InvalidTokenError, verifyHs256 } from './jwt';
import { actorFromClaims, IS_PUBLIC, RequestActor } from './request-context';

export const AUTH_SETTINGS = Symbol('AUTH_SETTINGS');
export type AuthSettings = { hs256Secret: string };

type GuardedRequest = { headers: Record<string, string | string[] | undefined>; actor?: RequestActor };

/** Requires a valid bearer JWT on every route not marked @Public(); 401 otherwise. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException('a bearer token is required');
    try {
      const claims = verifyHs256(match[1], this.settings.hs256Secret);
      const correlation = request.headers['x-correlation-id'];
      const traceparent = request.headers.traceparent;
      request.actor = actorFromClaims(claims, typeof correlation === 'string' ? correlation : undefined, typeof traceparent === 'string' ? traceparent : undefined);
      return true;
    } catch (error) {
      throw new UnauthorizedException(error instanceof InvalidTokenError ? error.message : 'invalid token');
    }
  }
}
