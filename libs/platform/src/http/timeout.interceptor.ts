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

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
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
