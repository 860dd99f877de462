import { AutomationRules } from '@crm/contracts';
import { deciderSpec } from '@crm/event-sourcing';
import { automationTaskId, defaultAutomationRules, planAutomationTasks } from './automation';
import { automationRulesDecider } from './automation-rules.decider';

/** The rules as JSONB gives them back: object keys in another order. */
const reorderKeys = (value: unknown): unknown =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).reverse().map(([key, inner]) => [key, reorderKeys(inner)]))
    : Array.isArray(value)
      ? value.map(reorderKeys)
      : value;

const leadId = '11111111-2222-4333-8444-555555555555';
const opportunityId = '99999999-2222-4333-8444-555555555555';
const occurredAt = '2026-04-01T09:00:00.000Z';

describe('automation rules', () => {
  describe('given a lead assigned, when the rules run, then a "First contact" call is due within the SLA', () => {
    it('for the new owner, 24 h after the assignment by default', () => {
      const trigger = { id: 'evt-assigned', type: 'LeadAssigned', occurredAt, data: { leadId, ownerId: 'rep-1', routedBy: 'rules' } };
      expect(planAutomationTasks(trigger, defaultAutomationRules)).toEqual([
        {
          taskId: automationTaskId('evt-assigned', 'lead-assigned', 0),
          rule: 'lead-assigned',
          title: 'First contact',
          taskType: 'call',
          priority: 'high',
          dueAt: '2026-04-02T09:00:00.000Z',
          notes: 'Contact the lead within 24 h of assignment.',
          related: { type: 'lead', id: leadId },
          assigneeId: 'rep-1',
          triggeredBy: 'evt-assigned',
        },
      ]);
    });

    it('with a configured SLA, and for a lead captured with an owner', () => {
      const rules: AutomationRules = { ...defaultAutomationRules, leadAssigned: { ...defaultAutomationRules.leadAssigned, slaHours: 4 } };
      const [task] = planAutomationTasks({ id: 'evt-captured', type: 'LeadCaptured', occurredAt, data: { leadId, name: 'Ada', source: 'web', ownerId: 'rep-2' } }, rules);
      expect(task).toMatchObject({ dueAt: '2026-04-01T13:00:00.000Z', assigneeId: 'rep-2' });
    });

    it('but nothing for a lead captured without owner, or when the rule is off', () => {
      expect(planAutomationTasks({ id: 'e', type: 'LeadCaptured', occurredAt, data: { leadId, name: 'Ada', source: 'web' } }, defaultAutomationRules)).toEqual([]);
      const off: AutomationRules = { ...defaultAutomationRules, leadAssigned: { ...defaultAutomationRules.leadAssigned, enabled: false } };
      expect(planAutomationTasks({ id: 'e', type: 'LeadAssigned', occurredAt, data: { leadId, ownerId: 'rep-1', routedBy: 'manual' } }, off)).toEqual([]);
    });
  });

  describe('given a stage change, then that stage’s playbook tasks', () => {
    it('one per playbook entry, each due its own hours after the change', () => {
      const tasks = planAutomationTasks({ id: 'evt-stage', type: 'OpportunityStageChanged', occurredAt, data: { opportunityId, from: 'Qualification', to: 'Proposal' } }, defaultAutomationRules);
      expect(tasks.map((task) => [task.title, task.taskType, task.dueAt, task.taskId])).toEqual([
        ['Send the proposal', 'email', '2026-04-02T09:00:00.000Z', automationTaskId('evt-stage', 'stage-playbook', 0)],
        ['Walk the buyer through the proposal', 'meeting', '2026-04-04T09:00:00.000Z', automationTaskId('evt-stage', 'stage-playbook', 1)],
      ]);
      expect(tasks.every((task) => task.assigneeId === undefined && task.related.type === 'opportunity' && task.rule === 'stage-playbook')).toBe(true);
    });

    it('matching the stage name regardless of case, and nothing for a stage without a playbook', () => {
      expect(planAutomationTasks({ id: 'e', type: 'OpportunityStageChanged', occurredAt, data: { opportunityId, from: 'a', to: 'negotiation' } }, defaultAutomationRules)).toHaveLength(2);
      expect(planAutomationTasks({ id: 'e', type: 'OpportunityStageChanged', occurredAt, data: { opportunityId, from: 'a', to: 'Legal review' } }, defaultAutomationRules)).toEqual([]);
    });
  });

  describe('given a deal gone stale, then a follow-up task', () => {
    it('due a day later by default, explaining why', () => {
      const [task] = planAutomationTasks({ id: 'evt-stale', type: 'DealWentStale', occurredAt, data: { opportunityId, stage: 'Proposal', idleSince: '2026-03-01T00:00:00.000Z' } }, defaultAutomationRules);
      expect(task).toMatchObject({
        taskId: automationTaskId('evt-stale', 'deal-went-stale', 0),
        rule: 'deal-went-stale',
        taskType: 'call',
        dueAt: '2026-04-02T09:00:00.000Z',
        related: { type: 'opportunity', id: opportunityId },
        notes: 'No stage change or activity in Proposal since 2026-03-01T00:00:00.000Z.',
      });
    });
  });

  it('derives the same task ids from the same trigger on every delivery, and different ones from another trigger', () => {
    const trigger = { id: 'evt-1', type: 'OpportunityStageChanged', occurredAt, data: { opportunityId, from: 'Prospecting', to: 'Qualification' } };
    const first = planAutomationTasks(trigger, defaultAutomationRules).map((task) => task.taskId);
    expect(planAutomationTasks({ ...trigger }, defaultAutomationRules).map((task) => task.taskId)).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    expect(planAutomationTasks({ ...trigger, id: 'evt-2' }, defaultAutomationRules).map((task) => task.taskId).some((id) => first.includes(id))).toBe(false);
    expect(first.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(true);
  });

  it('ignores every other event', () => {
    for (const type of ['LeadQualified', 'OpportunityWon', 'TaskCreated', 'OpportunityOpened']) {
      expect(planAutomationTasks({ id: 'e', type, occurredAt, data: { leadId, opportunityId } }, defaultAutomationRules)).toEqual([]);
    }
  });
});

describe('automation rules decider', () => {
  const spec = deciderSpec(automationRulesDecider);
  const faster: AutomationRules = { ...defaultAutomationRules, leadAssigned: { ...defaultAutomationRules.leadAssigned, slaHours: 2 } };

  it('starts from the defaults and versions each change', () => {
    expect(automationRulesDecider.initialState()).toEqual({ version: 0, rules: defaultAutomationRules });
    spec.given([]).when({ type: 'DefineAutomationRules', rules: faster }).then([{ type: 'AutomationRulesDefined', data: { version: 1, rules: faster } }]);
    spec
      .given([{ type: 'AutomationRulesDefined', data: { version: 1, rules: faster } }])
      .when({ type: 'DefineAutomationRules', rules: defaultAutomationRules })
      .then([{ type: 'AutomationRulesDefined', data: { version: 2, rules: defaultAutomationRules } }]);
  });

  it('records nothing when the rules in force are put again', () => {
    spec.given([]).when({ type: 'DefineAutomationRules', rules: { ...defaultAutomationRules } }).thenNothing();
    spec.given([{ type: 'AutomationRulesDefined', data: { version: 1, rules: faster } }]).when({ type: 'DefineAutomationRules', rules: faster }).thenNothing();
    // As read back from storage, with the keys of every object in another order.
    const reordered = reorderKeys(faster) as AutomationRules;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(faster));
    spec.given([{ type: 'AutomationRulesDefined', data: { version: 1, rules: reordered } }]).when({ type: 'DefineAutomationRules', rules: faster }).thenNothing();
  });
});
