import { EventData } from '@crm/contracts';

/**
 * A pure decision model. `decide` and `evolve` must not read clocks or generate ids: time and ids
 * come in with the command.
 */
export type Decider<Command, Event extends EventData, State> = {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: () => State;
};

export const foldEvents = <Event extends EventData, State>(
  decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>,
  events: readonly Event[],
): State => events.reduce(decider.evolve, decider.initialState());
