import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, ServiceUnavailableException } from '@nestjs/common';
import { Observable, throwError, TimeoutError } from 'rxjs';
import { catchError, timeout } from 'rxjs/operators';
import { RuntimeConfig } from '../config';
import { RUNTIME_CONFIG } from '../tokens';

/**
 * A request not answered within REQUEST_TIMEOUT_MS gets 503 with a retry hint instead of holding its
 * connection. A command already appended by then stays appended: its position is in the store, and
 * an Idempotency-Key makes the retry safe.
 */
@Injectable()
export class TimeoutInterceptor implements NestInterceptor {
  constructor(@Inject(RUNTIME_CONFIG) private readonly config: RuntimeConfig) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // Health checks bound each probe themselves, and report which one hung.
    const url = context.switchToHttp().getRequest<{ url?: string }>().url ?? '';
    if (url.startsWith('/health') || url.startsWith('/metrics')) return next.handle();
    return next.handle().pipe(
      timeout(this.config.requestTimeoutMs),
      catchError((error: unknown) =>
        throwError(() =>
          error instanceof TimeoutError ? new ServiceUnavailableException({ message: `no answer within ${this.config.requestTimeoutMs} ms; retry (with the same Idempotency-Key for a command)`, retryAfterSeconds: 1 }) : error,
        ),
      ),
    );
  }
}
