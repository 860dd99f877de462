import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { HealthCheck, HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { EventStore } from '@crm/event-sourcing';
import { Pool } from 'pg';
import { Public } from './auth/request-context';
import { Metrics } from './observability/metrics';
import { CONSUMER_GROUPS_PROBE, EVENT_STORE, KAFKA_PROBE, METRICS, PG_POOL } from './tokens';

/** Checks Kafka is reachable (distributed mode only). */
export type KafkaProbe = () => Promise<void>;

/**
 * Liveness and readiness (@nestjs/terminus). Ready: the database and the event store answer, and in
 * distributed mode the Kafka cluster, and every consumer has joined its group (a restart after a
 * crash serves HTTP at once but waits out the dead member's session before it joins); each
 * subscription's lag is reported beside them. Lag alone
 * does not make the service unready: a catching-up projector still serves consistent (if older)
 * answers, and read-your-writes queries wait for their position.
 */
@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Optional() @Inject(KAFKA_PROBE) private readonly kafka?: KafkaProbe,
    @Optional() @Inject(CONSUMER_GROUPS_PROBE) private readonly consumerGroups?: KafkaProbe,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up and serving HTTP' })
  live() {
    return { status: 'up' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'The database, the event store and (distributed) Kafka answer and every consumer has joined its group, with each subscription’s lag; 503 otherwise' })
  ready() {
    return this.health.check([
      () => this.probe('database', async () => void (await this.pool.query('SELECT 1'))),
      () => this.probe('eventStore', async () => void (await this.store.headPosition())),
      ...(this.kafka ? [() => this.probe('kafka', this.kafka as KafkaProbe)] : []),
      ...(this.consumerGroups ? [() => this.probe('consumerGroups', this.consumerGroups as KafkaProbe)] : []),
      async () => this.indicators.check('subscriptions').up({ lag: await this.metrics.subscriptionLag() }),
    ]);
  }

  private async probe(key: string, check: () => Promise<void>): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(check(), 2000);
      return indicator.up();
    } catch (error) {
      return indicator.down({ detail: (error as Error).message });
    }
  }
}

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
