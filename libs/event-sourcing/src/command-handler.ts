import { context as otelContext } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import { EventData, EventEnvelope, EventMetadata, NewEvent, eventCatalogue, isCrmEventType } from '@crm/contracts';
import { Decider } from './decider';
import { CommandRejected, WrongExpectedRevisionError } from './errors';
import { EventStore } from './event-store';
import { contextOfTraceparent, inSpan, recordedTraceparent, tracer } from './tracing';

export type CommandContext = {
  metadata: EventMetadata;
  /** The command's time: the default `occurredAt` of the events it produces. ISO-8601. */
  now: string;
  /**
   * The revision the client last saw (from `If-Match`). When given, a conflict is reported to the
   * caller (HTTP 412); when absent, the handler re-reads and re-decides a bounded number of times.
   */
  expectedRevision?: number;
  /** Stable event ids make an append idempotent when the caller repeats it. */
  eventId?: (index: number, event: EventData) => string;
};

export type CommandResult<State> = {
  streamId: string;
  state: State;
  /** The appended events; empty when the decision produced none. */
  events: EventEnvelope[];
  /** Revision of the last event in the stream, -1 if it does not exist. */
  revision: number;
  /** Global position of the last appended event, or null when nothing was appended. */
  position: number | null;
};

export type CommandHandlerOptions = {
  /** Attempts when the caller sent no expected revision and a concurrent writer won. */
  maxAttempts?: number;
};

/**
 * Reads the stream, folds it, decides and appends with the revision it read as the expected
 * revision. Nothing is appended when `decide` throws.
 */
export const createCommandHandler = <Command, Event extends EventData, State>(store: EventStore, decider: Decider<Command, Event, State>, options: CommandHandlerOptions = {}) => {
  const handleCommand = async (streamId: string, command: Command, context: CommandContext): Promise<CommandResult<State>> => {
    const maxAttempts = context.expectedRevision === undefined ? (options.maxAttempts ?? 5) : 1;
    for (let attempt = 1; ; attempt++) {
      const { events: stored, revision } = await store.readStream(streamId);
      // Another tenant's stream is indistinguishable from a missing one.
      if (stored.length > 0 && stored[0].metadata.tenantId !== context.metadata.tenantId) {
        throw new CommandRejected('not_found', 'not-found', 'no such record');
      }
      if (context.expectedRevision !== undefined && context.expectedRevision !== revision) {
        throw new WrongExpectedRevisionError(streamId, context.expectedRevision, revision);
      }
      let state = decider.initialState();
      for (const event of stored) state = decider.evolve(state, event as unknown as Event);
      const decided = decider.decide(command, state);
      if (decided.length === 0) return { streamId, state, events: [], revision, position: null };

      const toAppend: NewEvent[] = decided.map((event, index) => ({
        id: context.eventId ? context.eventId(index, event) : randomUUID(),
        type: event.type,
        schemaVersion: currentVersion(event.type),
        occurredAt: event.occurredAt ?? context.now,
        metadata: context.metadata,
        data: event.data,
      }));
      try {
        const result = await store.appendToStream(streamId, toAppend, { expectedRevision: revision === -1 ? 'no_stream' : revision });
        for (const event of decided) state = decider.evolve(state, event);
        return { streamId, state, events: result.events, revision: result.nextRevision, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= maxAttempts) throw error;
      }
    }
  };
  return async (streamId: string, command: Command, commandContext: CommandContext): Promise<CommandResult<State>> => {
    // A span per command when tracing is on: a child of the request's (or trigger's) span, and the
    // parent the appended events record, so their consumers join the same trace.
    const span = tracer().startSpan(
      `handle ${streamId.slice(0, Math.max(0, streamId.indexOf('-'))) || 'stream'}`,
      { attributes: { 'crm.stream.id': streamId, 'crm.tenant': commandContext.metadata.tenantId } },
      contextOfTraceparent(commandContext.metadata.traceparent, otelContext.active()),
    );
    const traceparent = recordedTraceparent(span);
    const context = traceparent ? { ...commandContext, metadata: { ...commandContext.metadata, traceparent } } : commandContext;
    return inSpan(span, () => handleCommand(streamId, command, context));
  };
};

/** New events are written in the catalogue's current version of their type. */
export const currentVersion = (type: string): number => (isCrmEventType(type) ? eventCatalogue[type].version : 1);
