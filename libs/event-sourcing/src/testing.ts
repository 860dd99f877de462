import { deepStrictEqual, fail } from 'node:assert';
import { EventData } from '@crm/contracts';
import { Decider } from './decider';

type Then<Event> = {
  then: (expected: Event[]) => void;
  thenNothing: () => void;
  thenThrows: <E extends Error>(errorType: new (...args: never[]) => E, check?: (error: E) => void) => void;
};

/**
 * Specification-style tests for deciders:
 * `spec.given([...events]).when(command).then([...events])` or `.thenThrows(CommandRejected, e => ...)`.
 */
export const deciderSpec = <Command, Event extends EventData, State>(decider: Decider<Command, Event, State>) => ({
  given: (events: Event[]) => ({
    when: (command: Command): Then<Event> => {
      const run = () => decider.decide(command, events.reduce(decider.evolve, decider.initialState()));
      return {
        then: (expected) => deepStrictEqual(run(), expected),
        thenNothing: () => deepStrictEqual(run(), []),
        thenThrows: (errorType, check) => {
          let produced: Event[];
          try {
            produced = run();
          } catch (error) {
            if (!(error instanceof errorType)) throw error;
            check?.(error);
            return;
          }
          fail(`expected ${errorType.name}, but the decider produced ${JSON.stringify(produced)}`);
        },
      };
    },
  }),
});
