import { BadRequestException, CallHandler, ConflictException, ExecutionContext, HttpStatus, Inject, Injectable, NestInterceptor, UnprocessableEntityException } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { from, lastValueFrom, Observable } from 'rxjs';
import { RequestActor } from '../auth/request-context';
import { PG_POOL } from '../tokens';

/** Responses kept for repeats of a command sent with an Idempotency-Key (per tenant and key). */
export const idempotencySchemaSql = `
CREATE SCHEMA IF NOT EXISTS platform;
CREATE TABLE IF NOT EXISTS platform.idempotency_keys (
  tenant_id text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  status integer,
  headers jsonb,
  body jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, key)
);`;

const retention = "interval '24 hours'";
const replayedHeaders = ['location', 'etag', 'x-event-position'];

type Request = { method: string; url: string; body?: unknown; headers: Record<string, string | string[] | undefined>; actor?: RequestActor };
type Reply = { statusCode: number; header: (name: string, value: string) => Reply; getHeader: (name: string) => unknown };

/**
 * `Idempotency-Key` on commands: the first request with a key runs and its response is kept for
 * 24 h; a repeat with the same body gets that response again (nothing is appended twice), with
 * `idempotent-replayed: true`; the same key with another body is 422; a repeat while the first
 * is still running is 409. A request that fails frees its key, so it can be sent again.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const reply = context.switchToHttp().getResponse<Reply>();
    const header = request.headers['idempotency-key'];
    if (header === undefined || !['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method) || !request.actor) return next.handle();
    const key = Array.isArray(header) ? header[0] : header;
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new BadRequestException('Idempotency-Key must be 1 to 255 visible ASCII characters');
    const tenantId = request.actor.tenantId;
    const fingerprint = createHash('sha256').update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`).digest('hex');
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? (request.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
    return from(this.run(tenantId, key, fingerprint, status, reply, next));
  }

  private async run(tenantId: string, key: string, fingerprint: string, status: number, reply: Reply, next: CallHandler): Promise<unknown> {
    await this.pool.query(`DELETE FROM platform.idempotency_keys WHERE tenant_id = $1 AND key = $2 AND created_at < now() - ${retention}`, [tenantId, key]);
    const claimed = await this.pool.query('INSERT INTO platform.idempotency_keys (tenant_id, key, fingerprint) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [tenantId, key, fingerprint]);
    if (claimed.rowCount === 0) {
      const { rows } = await this.pool.query<{ fingerprint: string; status: number | null; headers: Record<string, string> | null; body: unknown }>(
        'SELECT fingerprint, status, headers, body FROM platform.idempotency_keys WHERE tenant_id = $1 AND key = $2',
        [tenantId, key],
      );
      const [first] = rows;
      if (!first) return this.run(tenantId, key, fingerprint, status, reply, next);
      if (first.fingerprint !== fingerprint) throw new UnprocessableEntityException('this Idempotency-Key was used for a different request');
      if (first.status === null) throw new ConflictException('a request with this Idempotency-Key is still being processed; retry shortly');
      for (const [name, value] of Object.entries(first.headers ?? {})) reply.header(name, value);
      reply.header('idempotent-replayed', 'true');
      return first.body;
    }
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const headers = Object.fromEntries(replayedHeaders.map((name) => [name, reply.getHeader(name)]).filter(([, value]) => value !== undefined).map(([name, value]) => [name, String(value)]));
      await this.pool.query('UPDATE platform.idempotency_keys SET status = $3, headers = $4, body = $5 WHERE tenant_id = $1 AND key = $2', [
        tenantId,
        key,
        status,
        JSON.stringify(headers),
        JSON.stringify(body ?? null),
      ]);
      return body;
    } catch (error) {
      await this.pool.query('DELETE FROM platform.idempotency_keys WHERE tenant_id = $1 AND key = $2 AND status IS NULL', [tenantId, key]);
      throw error;
    }
  }
}

