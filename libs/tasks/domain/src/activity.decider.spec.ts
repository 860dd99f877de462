import { ActivityLogged } from '@crm/contracts';
import { CommandRejected, deciderSpec } from '@crm/event-sourcing';
import { activityDecider } from './activity.decider';

describe('activity decider', () => {
  const spec = deciderSpec(activityDecider);
  const related = { type: 'opportunity' as const, id: '0b7a4f7e-1111-4c1e-9a57-000000000001' };
  const occurredAt = '2026-04-01T10:30:00.000Z';
  const logged: ActivityLogged = {
    type: 'ActivityLogged',
    occurredAt,
    data: { activityId: 'a-1', activityType: 'call', related, summary: 'Pricing questions', direction: 'inbound', durationMinutes: 25 },
  };

  it('logs an activity at the time it happened', () => {
    spec
      .given([])
      .when({ type: 'LogActivity', activityId: 'a-1', activityType: 'call', related, summary: 'Pricing questions', direction: 'inbound', durationMinutes: 25, occurredAt })
      .then([logged]);
  });

  it('logs a note without direction or duration', () => {
    spec
      .given([])
      .when({ type: 'LogActivity', activityId: 'a-2', activityType: 'note', related, summary: 'Prefers e-mail', occurredAt })
      .then([{ type: 'ActivityLogged', occurredAt, data: { activityId: 'a-2', activityType: 'note', related, summary: 'Prefers e-mail' } }]);
  });

  it('refuses a note with a direction', () => {
    spec
      .given([])
      .when({ type: 'LogActivity', activityId: 'a-2', activityType: 'note', related, summary: 'x', direction: 'outbound', occurredAt })
      .thenThrows(CommandRejected, (error) => expect(error.kind).toBe('invalid'));
  });

  it('refuses to log the same activity twice', () => {
    spec
      .given([logged])
      .when({ type: 'LogActivity', activityId: 'a-1', activityType: 'call', related, summary: 'again', occurredAt })
      .thenThrows(CommandRejected, (error) => expect(error).toMatchObject({ kind: 'conflict', code: 'activity-exists' }));
  });
});
