import { Module, Provider, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBus } from '@crm/event-sourcing';
import { EventBusTransport, prepareEventConsumers } from './event-bus.transport';

export type RunningConsumers = {
  transport: EventBusTransport;
  /** Stops the consumers' bus subscriptions (the services' own subscriptions are theirs to stop). */
  close: () => Promise<void>;
};

/**
 * Runs `@EventPattern` consumer controllers on `bus` as a standalone Nest microservice, through
 * the same transport as the app, with the given (already initialised) providers as their
 * dependencies: what integration tests use when they build a service by hand and call its
 * `onModuleInit`. The providers' init hooks are not run again.
 */
export const startEventConsumers = async (bus: EventBus, controllers: Array<Type<unknown>>, providers: Provider[]): Promise<RunningConsumers> => {
  @Module({ controllers, providers })
  class ConsumersUnderTest {}
  const transport = new EventBusTransport(bus);
  const microservice = await NestFactory.createMicroservice(ConsumersUnderTest, { strategy: transport, logger: ['error'], abortOnError: false });
  prepareEventConsumers(microservice);
  await microservice.listen();
  return { transport, close: () => transport.close() };
};
