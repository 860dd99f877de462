import { Controller, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { EventEnvelope, NewEvent } from '@crm/contracts';
import { createInMemoryEventStore, storeEventBus } from '@crm/event-sourcing';
import { connectEventConsumers, EventBusTransport, EventConsumerContext, EventConsumerOptions, prepareEventConsumers } from './event-bus.transport';

const event = (n: number, poison = false): NewEvent => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: 'LeadUpdated',
  schemaVersion: 1,
  occurredAt: '2026-01-01T00:00:00.000Z',
  metadata: { tenantId: 't', actor: { id: 'u', role: 'admin' }, correlationId: 'c', causationId: 'c' },
  data: { n, poison },
});

@Injectable()
class Ledger implements OnModuleInit {
  inits = 0;
  /** Failures that look like a database outage, thrown before the next deliveries. */
  outages = 0;
  readonly applied = new Set<number>();
  readonly consumers = new Set<string>();
  onModuleInit() {
    this.inits++;
  }
}

@Controller()
class NumberConsumers {
  constructor(private readonly ledger: Ledger) {}

  @EventPattern('test.numbers', { categories: ['lead'] } satisfies EventConsumerOptions)
  async numbers(@Payload() events: EventEnvelope[], @Ctx() context: EventConsumerContext): Promise<void> {
    this.ledger.consumers.add(context.consumer);
    if (this.ledger.outages > 0) {
      this.ledger.outages--;
      throw Object.assign(new Error('the database system is shutting down'), { code: '57P01' });
    }
    for (const delivered of events) {
      const { n, poison } = delivered.data as { n: number; poison: boolean };
      if (poison) throw new Error('indigestible');
      this.ledger.applied.add(n);
    }
  }
}

@Module({ controllers: [NumberConsumers], providers: [Ledger] })
class NumbersModule {}

@Controller()
class Uncategorised {
  @EventPattern('test.uncategorised')
  async handle(): Promise<void> {
    return undefined;
  }
}

@Controller()
class Twins {
  @EventPattern('test.twin', { categories: ['lead'] })
  async one(): Promise<void> {
    return undefined;
  }

  @EventPattern('test.twin', { categories: ['lead'] })
  async other(): Promise<void> {
    return undefined;
  }
}

describe('EventBusTransport: @EventPattern consumers on the event bus', () => {
  it('runs the handlers of a hybrid app on the bus, hands their errors to it untouched, and runs the init hooks once', async () => {
    const store = createInMemoryEventStore();
    const parked: Array<{ consumer: string; n: number; error: string }> = [];
    const bus = storeEventBus(store, {
      maxAttempts: 2,
      deadLetter: async (consumer, parkedEvent, error) => void parked.push({ consumer, n: (parkedEvent.data as { n: number }).n, error: (error as Error).message }),
    });
    const app = await NestFactory.create(NumbersModule, new FastifyAdapter(), { logger: false });
    const transport = connectEventConsumers(app, bus);
    await app.init();
    await app.startAllMicroservices();
    const ledger = app.get(Ledger);
    // More outages than maxAttempts: counted as the event's failures, they would park a good event.
    ledger.outages = 3;
    const last = await store.appendToStream('lead-1', [event(1), event(2, true), event(3)]);
    const subscription = transport.subscription('test.numbers');
    expect(subscription).toBeDefined();
    await subscription?.waitFor(last.position, 20_000);

    expect([...ledger.applied].sort()).toEqual([1, 3]);
    // The handler's own error reached the bus, not Nest's generic "Internal server error".
    expect(parked).toEqual([{ consumer: 'test.numbers', n: 2, error: 'indigestible' }]);
    expect(ledger.outages).toBe(0);
    expect([...ledger.consumers]).toEqual(['test.numbers']);
    expect(ledger.inits).toBe(1);

    await app.close();
    expect(transport.subscription('test.numbers')).toBeUndefined();
  }, 30_000);

  it.each([
    [Uncategorised, "@EventPattern('test.uncategorised') needs the stream categories it consumes"],
    [Twins, 'more than one @EventPattern handler is named test.twin'],
  ])('refuses to start %p', async (controller, message) => {
    @Module({ controllers: [controller] })
    class Consumers {}
    const transport = new EventBusTransport(storeEventBus(createInMemoryEventStore()));
    const microservice = await NestFactory.createMicroservice(Consumers, { strategy: transport, logger: false });
    prepareEventConsumers(microservice);
    await expect(microservice.listen()).rejects.toThrow(message);
  });
});
