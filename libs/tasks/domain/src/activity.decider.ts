import { ActivityDirection, ActivityLogged, ActivityType, RelatedRecord } from '@crm/contracts';
import { CommandRejected, Decider } from '@crm/event-sourcing';

export type Activity = {
  exists: true;
  activityId: string;
  activityType: ActivityType;
  related: RelatedRecord;
  summary: string;
  direction?: ActivityDirection;
  durationMinutes?: number;
  occurredAt: string;
};

export type ActivityState = { exists: false } | Activity;

export type LogActivity = {
  type: 'LogActivity';
  activityId: string;
  activityType: ActivityType;
  related: RelatedRecord;
  summary: string;
  direction?: ActivityDirection;
  durationMinutes?: number;
  /** When the call, e-mail or meeting happened; a logged activity is usually in the past. */
  occurredAt: string;
};

export type ActivityCommand = LogActivity;

export const decideActivity = (command: ActivityCommand, state: ActivityState): ActivityLogged[] => {
  switch (command.type) {
    case 'LogActivity': {
      if (state.exists) throw new CommandRejected('conflict', 'activity-exists', 'the activity was already logged', { activityId: state.activityId });
      // A note is written, not exchanged: it has neither a direction nor a duration.
      if (command.activityType === 'note' && (command.direction !== undefined || command.durationMinutes !== undefined)) {
        throw new CommandRejected('invalid', 'note-has-no-direction', 'a note has no direction or duration');
      }
      return [
        {
          type: 'ActivityLogged',
          occurredAt: command.occurredAt,
          data: {
            activityId: command.activityId,
            activityType: command.activityType,
            related: command.related,
            summary: command.summary,
            ...(command.direction !== undefined ? { direction: command.direction } : {}),
            ...(command.durationMinutes !== undefined ? { durationMinutes: command.durationMinutes } : {}),
          },
        },
      ];
    }
    default: {
      const unreachable: never = command.type;
      return unreachable;
    }
  }
};

export const evolveActivity = (_state: ActivityState, event: ActivityLogged & { occurredAt?: string }): ActivityState => {
  switch (event.type) {
    case 'ActivityLogged':
      return { exists: true, ...event.data, occurredAt: event.occurredAt ?? '' };
    default: {
      const unreachable: never = event.type;
      return unreachable;
    }
  }
};

export const activityDecider: Decider<ActivityCommand, ActivityLogged, ActivityState> = {
  decide: decideActivity,
  evolve: evolveActivity,
  initialState: () => ({ exists: false }),
};
