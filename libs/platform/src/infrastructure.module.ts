import { DynamicModule, Global, Module } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { EventBus, EventStore } from '@crm/event-sourcing';
import { Pool } from 'pg';
import { RuntimeConfig } from './config';
import { AuditVerifyController } from './audit-verify.controller';
import { AUTH_SETTINGS, AuthGuard, AuthSettings } from './auth/auth.guard';
import { TerminusModule } from '@nestjs/terminus';
import { AsyncApiController } from './asyncapi.controller';
import { HealthController, KafkaProbe } from './health.controller';
import { IdempotencyInterceptor } from './http/idempotency.interceptor';
import { TimeoutInterceptor } from './http/timeout.interceptor';
import { MetricsController } from './observability/metrics.controller';
import { Metrics } from './observability/metrics';
import { CONSUMER_GROUPS_PROBE, EVENT_BUS, EVENT_STORE, KAFKA_PROBE, METRICS, PG_POOL, RUNTIME_CONFIG } from './tokens';

export type Infrastructure = {
  config: RuntimeConfig;
  /** HS256 secret; ignored when `auth` is given. */
  jwtSecret?: string;
  /** How tokens are verified (RS256 with a JWKS, issuer and audience checks); default HS256 with `jwtSecret`. */
  auth?: AuthSettings;
  pool: Pool;
  store: EventStore;
  /** How this process consumes other contexts' events (store subscriptions or Kafka). */
  bus: EventBus;
  metrics: Metrics;
  logger: PinoLogger;
  /** Distributed mode: checks the Kafka cluster answers (readiness). */
  kafkaProbe?: KafkaProbe;
  /** Distributed mode: fails until every Kafka consumer has joined its group (readiness). */
  consumerGroupsProbe?: KafkaProbe;
};

/** Makes the pool, the event store and the configuration injectable everywhere, and serves health. */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(infrastructure: Infrastructure): DynamicModule {
    const limit = infrastructure.config.rateLimitPerMinute;
    return {
      module: InfrastructureModule,
      imports: [
        TerminusModule.forRoot({ errorLogStyle: 'json' }),
        // Nest's own log lines, as JSON through the process's pino logger; requests are logged by
        // the HTTP app's response hook, where the authenticated actor is known.
        LoggerModule.forRoot({ pinoHttp: { logger: infrastructure.logger, autoLogging: false, quietReqLogger: true } }),
        // Per token (tenant and subject, once the auth guard has run), else per address.
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: Math.max(1, limit) }],
          skipIf: () => limit === 0,
          getTracker: (request: Record<string, unknown>) => {
            const actor = request.actor as { tenantId: string; userId: string } | undefined;
            return actor ? `token:${actor.tenantId}/${actor.userId}` : `ip:${String(request.ip)}`;
          },
        }),
      ],
      controllers: [MetricsController, HealthController, AuditVerifyController, AsyncApiController],
      providers: [
        { provide: RUNTIME_CONFIG, useValue: infrastructure.config },
        { provide: PG_POOL, useValue: infrastructure.pool },
        { provide: EVENT_STORE, useValue: infrastructure.store },
        { provide: EVENT_BUS, useValue: infrastructure.bus },
        { provide: METRICS, useValue: infrastructure.metrics },
        ...(infrastructure.kafkaProbe ? [{ provide: KAFKA_PROBE, useValue: infrastructure.kafkaProbe }] : []),
        ...(infrastructure.consumerGroupsProbe ? [{ provide: CONSUMER_GROUPS_PROBE, useValue: infrastructure.consumerGroupsProbe }] : []),
        { provide: AUTH_SETTINGS, useValue: authSettings(infrastructure) },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_INTERCEPTOR, useClass: TimeoutInterceptor },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
      exports: [RUNTIME_CONFIG, PG_POOL, EVENT_STORE, EVENT_BUS, METRICS],
    };
  }
}

const authSettings = (infrastructure: Infrastructure): AuthSettings => {
  if (infrastructure.auth) return infrastructure.auth;
  if (!infrastructure.jwtSecret) throw new Error('no way to verify tokens: give jwtSecret or auth');
  return { algorithm: 'HS256', hs256Secret: infrastructure.jwtSecret };
};
