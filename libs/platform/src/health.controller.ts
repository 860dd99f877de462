import { Controller, Get, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { EventStore } from '@crm/event-sourcing';
import { Pool } from 'pg';
import { Public } from './auth/request-context';
import { EVENT_STORE, PG_POOL } from './tokens';

type Check = { status: 'up' | 'down'; detail?: string };

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'The process is up and serving HTTP' })
  live() {
    return { status: 'up' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'The database and the event store answer; 503 otherwise' })
  async ready() {
    const checks: Record<string, Check> = {
      database: await probe(async () => void (await this.pool.query('SELECT 1'))),
      eventStore: await probe(async () => void (await this.store.headPosition())),
    };
    const status = Object.values(checks).every((check) => check.status === 'up') ? 'up' : 'down';
    if (status === 'down') throw new ServiceUnavailableException({ status, checks });
    return { status, checks };
  }
}

const probe = async (check: () => Promise<void>): Promise<Check> => {
  try {
    await withTimeout(check(), 2000);
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', detail: (error as Error).message };
  }
};

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
