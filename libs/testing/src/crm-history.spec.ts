import { createHash } from 'node:crypto';
import { eventCatalogue, isCrmEventType, isUuid, periodPattern, PipelineStage } from '@crm/contracts';
import { CrmHistoryOptions, defaultHistoryStages, GeneratedEvent, generateCrmHistory, generateCrmHistoryArray } from './crm-history';

const options: CrmHistoryOptions = { seed: 20250101, tenantId: 'tenant-history', events: 20_000 };
const DAY = 86_400_000;

describe('generateCrmHistory', () => {
  let history: GeneratedEvent[];
  beforeAll(() => {
    history = generateCrmHistoryArray(options);
  });

  const ofType = <T extends GeneratedEvent['event']['type']>(type: T) =>
    history.map(({ event }) => event).filter((event): event is Extract<GeneratedEvent['event'], { type: T }> => event.type === type);

  it('gives the same events, ids included, for the same options, and others for another seed', () => {
    const small = { ...options, events: 5_000 };
    const first = JSON.stringify(generateCrmHistoryArray(small));
    expect(JSON.stringify(generateCrmHistoryArray(small))).toBe(first);
    expect(JSON.stringify(generateCrmHistoryArray({ ...small, seed: small.seed + 1 }))).not.toBe(first);
  });

  it('stops at the end of the command that reaches the requested count', () => {
    const count = Array.from(generateCrmHistory({ ...options, seed: 3, events: 10_000 })).length;
    expect(count).toBeGreaterThanOrEqual(10_000);
    expect(count).toBeLessThanOrEqual(10_002);
    expect(generateCrmHistoryArray({ ...options, events: 0 })).toEqual([]);
  });

  it('spreads the history over the span', () => {
    const times = history.map(({ event }) => Date.parse(event.occurredAt));
    const start = Date.parse('2025-01-01T00:00:00.000Z');
    expect(Math.min(...times)).toBe(start);
    expect(Math.max(...times)).toBeGreaterThan(start + 400 * DAY);
  });

  it('writes catalogue events of the current schema version with version-4 ids, each id once', () => {
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const wrong = history.filter(({ event }) => !isCrmEventType(event.type) || event.schemaVersion !== eventCatalogue[event.type].version || !v4.test(event.id));
    expect(wrong).toEqual([]);
    expect(new Set(history.map(({ event }) => event.id)).size).toBe(history.length);
  });

  it('names streams <category>-<uuid> and records tenant, actor, correlation and causation', () => {
    const categories = ['lead', 'opportunity', 'task', 'activity', 'team', 'pipeline', 'analytics'];
    const wrong = history.filter(({ streamId, event }) => {
      const [, category, id] = /^([a-z]+)-(.+)$/.exec(streamId) ?? [];
      const { tenantId, actor, correlationId, causationId } = event.metadata;
      return !categories.includes(category) || !isUuid(id) || tenantId !== options.tenantId || !actor.id || !isUuid(correlationId) || !isUuid(causationId);
    });
    expect(wrong).toEqual([]);
  });

  it('keeps each stream in time order, with a few records imported backdated', () => {
    const lastAt = new Map<string, number>();
    let latest = 0;
    let backdated = 0;
    const outOfOrder: GeneratedEvent[] = [];
    for (const generated of history) {
      const at = Date.parse(generated.event.occurredAt);
      if (at < (lastAt.get(generated.streamId) ?? 0)) outOfOrder.push(generated);
      lastAt.set(generated.streamId, at);
      if (at < latest - 14 * DAY) backdated++;
      latest = Math.max(latest, at);
    }
    expect(outOfOrder).toEqual([]);
    expect(backdated).toBeGreaterThan(0);
    expect(backdated).toBeLessThan(history.length * 0.05);
  });

  it('starts with the pipeline, the team and the first targets', () => {
    expect(history[0].event).toMatchObject({ type: 'PipelineStagesDefined', data: { stages: defaultHistoryStages } });
    const members = ofType('TeamMemberUpserted');
    expect(members.length).toBeGreaterThanOrEqual(15);
    expect(members[members.length - 1].data).toMatchObject({ role: 'rep', managerId: expect.any(String), region: expect.any(String), teamId: expect.any(String) });
    const targets = ofType('TargetSet');
    expect(new Set(targets.map((target) => target.data.scope))).toEqual(new Set(['owner', 'team', 'manager']));
    expect(targets.some((target) => /Q\d$/.test(target.data.period)) && targets.some((target) => /-\d\d$/.test(target.data.period))).toBe(true);
    for (const { data } of [...targets, ...ofType('MarketingCostRecorded')]) expect(data.period).toMatch(periodPattern);
  });

  it('opens each converted lead’s deal after the conversion, caused by it', () => {
    const conversions = new Map(ofType('LeadConverted').map((event) => [event.data.opportunityId, event]));
    const opened = ofType('OpportunityOpened');
    const fromLeads = opened.filter((event) => event.data.leadId !== undefined);
    expect(fromLeads.length).toBeGreaterThan(100);
    expect(opened.length).toBeGreaterThan(fromLeads.length);
    const position = new Map(history.map(({ event }, index) => [event.id, index]));
    for (const event of fromLeads) {
      const converted = conversions.get(event.data.opportunityId);
      expect(converted?.data.leadId).toBe(event.data.leadId);
      if (!converted) continue;
      expect(position.get(converted.id)).toBeLessThan(position.get(event.id) ?? -1);
      expect(event.metadata).toMatchObject({ causationId: converted.id, correlationId: converted.metadata.correlationId });
      expect(event.data).toMatchObject({ stage: 'Prospecting', probability: 10, forecastCategory: 'Pipeline', amount: converted.data.amount });
    }
  });

  it('moves deals back as well as forward, and reopens some', () => {
    const changes = ofType('OpportunityStageChanged');
    const backward = changes.filter((event) => event.data.direction === 'backward').length;
    expect(backward / changes.length).toBeGreaterThanOrEqual(0.1);
    const reopened = ofType('OpportunityReopened');
    expect(reopened.length).toBeGreaterThan(10);
    expect(reopened.some((event) => event.data.previousStatus === 'won') && reopened.some((event) => event.data.previousStatus === 'lost')).toBe(true);
  });

  it('follows the deciders: legal lead transitions, consistent stage moves, closes from the current stage', () => {
    const stages = defaultHistoryStages.map((stage) => stage.name);
    const leadStatus = new Map<string, string>();
    const deals = new Map<string, { stage: string; status: string }>();
    const tasks = new Map<string, { dueAt: string; assigneeId?: string; open: boolean }>();
    for (const { event } of history) {
      switch (event.type) {
        case 'LeadCaptured':
          leadStatus.set(event.data.leadId, 'new');
          break;
        case 'LeadStatusChanged':
          expect(leadStatus.get(event.data.leadId)).toBe(event.data.from);
          leadStatus.set(event.data.leadId, event.data.to);
          break;
        case 'LeadQualified':
          expect(leadStatus.get(event.data.leadId)).toBe('working');
          leadStatus.set(event.data.leadId, 'qualified');
          break;
        case 'LeadDisqualified':
          expect(['new', 'working', 'qualified']).toContain(leadStatus.get(event.data.leadId));
          leadStatus.set(event.data.leadId, 'disqualified');
          break;
        case 'LeadReopened':
          expect(leadStatus.get(event.data.leadId)).toBe('disqualified');
          leadStatus.set(event.data.leadId, 'working');
          break;
        case 'LeadConverted':
          expect(leadStatus.get(event.data.leadId)).toBe('qualified');
          leadStatus.set(event.data.leadId, 'converted');
          break;
        case 'OpportunityOpened':
          deals.set(event.data.opportunityId, { stage: event.data.stage, status: 'open' });
          break;
        case 'OpportunityStageChanged': {
          const deal = deals.get(event.data.opportunityId);
          expect(deal).toMatchObject({ stage: event.data.from, status: 'open' });
          const direction = stages.indexOf(event.data.to) < stages.indexOf(event.data.from) ? 'backward' : 'forward';
          expect(event.data.direction).toBe(direction);
          const stage = defaultHistoryStages.find((candidate) => candidate.name === event.data.to) as PipelineStage;
          expect(event.data).toMatchObject({ probability: stage.probability, forecastCategory: stage.forecastCategory });
          if (deal) deal.stage = event.data.to;
          break;
        }
        case 'OpportunityWon':
        case 'OpportunityLost': {
          const deal = deals.get(event.data.opportunityId);
          expect(deal).toMatchObject({ stage: event.data.fromStage, status: 'open' });
          if (deal) deal.status = event.type === 'OpportunityWon' ? 'won' : 'lost';
          break;
        }
        case 'OpportunityReopened': {
          const deal = deals.get(event.data.opportunityId);
          expect(deal).toMatchObject({ stage: event.data.stage, status: event.data.previousStatus });
          if (deal) deal.status = 'open';
          break;
        }
        case 'TaskCreated':
          tasks.set(event.data.taskId, { dueAt: event.data.dueAt, assigneeId: event.data.assigneeId, open: true });
          break;
        case 'TaskUpdated': {
          const task = tasks.get(event.data.taskId);
          if (task && event.data.changes.dueAt) task.dueAt = event.data.changes.dueAt;
          break;
        }
        case 'TaskReassigned': {
          const task = tasks.get(event.data.taskId);
          expect(task?.assigneeId).toBe(event.data.previousAssigneeId);
          if (task) task.assigneeId = event.data.assigneeId;
          break;
        }
        case 'TaskBecameOverdue':
          expect(Date.parse(event.occurredAt)).toBeGreaterThan(Date.parse(event.data.dueAt));
          expect(event.data.dueAt).toBe(tasks.get(event.data.taskId)?.dueAt);
          break;
        case 'TaskCompleted': {
          const task = tasks.get(event.data.taskId);
          expect(task?.open).toBe(true);
          expect(event.data).toMatchObject({ dueAt: task?.dueAt, assigneeId: task?.assigneeId, onTime: Date.parse(event.occurredAt) <= Date.parse(event.data.dueAt) });
          if (task) task.open = false;
          break;
        }
        case 'TaskCancelled': {
          const task = tasks.get(event.data.taskId);
          expect(task?.open).toBe(true);
          if (task) task.open = false;
          break;
        }
        default:
          break;
      }
    }
  });

  it('closes some reopened deals again', () => {
    const closedAgain = new Set<string>();
    const reopenedDeals = new Set<string>();
    for (const { event } of history) {
      if (event.type === 'OpportunityReopened') reopenedDeals.add(event.data.opportunityId);
      if ((event.type === 'OpportunityWon' || event.type === 'OpportunityLost') && reopenedDeals.has(event.data.opportunityId)) closedAgain.add(event.data.opportunityId);
    }
    expect(closedAgain.size).toBeGreaterThan(0);
  });

  it('keeps money in integer minor units between 1,000.00 and 500,000.00, in the currencies asked for', () => {
    const deals = generateCrmHistoryArray({ ...options, events: 5_000, currencies: ['EUR', 'USD'] })
      .map(({ event }) => event)
      .filter((event) => event.type === 'OpportunityOpened');
    expect(new Set(deals.map((event) => event.data.amount.currency))).toEqual(new Set(['EUR', 'USD']));
    const amounts = ofType('OpportunityOpened').map((event) => event.data.amount);
    for (const { amountMinor, currency } of amounts) {
      expect(Number.isSafeInteger(amountMinor)).toBe(true);
      expect(amountMinor).toBeGreaterThanOrEqual(100_000);
      expect(amountMinor).toBeLessThanOrEqual(50_000_000);
      expect(currency).toBe('EUR');
    }
    expect(Math.max(...amounts.map((amount) => amount.amountMinor)) / Math.min(...amounts.map((amount) => amount.amountMinor))).toBeGreaterThan(50);
  });

  it('relates tasks and activities to leads and deals, with every outcome of a task', () => {
    const related = [...ofType('TaskCreated'), ...ofType('ActivityLogged')].map((event) => event.data.related.type);
    expect(new Set(related)).toEqual(new Set(['lead', 'opportunity']));
    for (const type of ['TaskCompleted', 'TaskBecameOverdue', 'TaskCancelled', 'DealWentStale', 'LeadReopened', 'LeadDisqualified'] as const) {
      expect(ofType(type).length).toBeGreaterThan(0);
    }
    const completed = ofType('TaskCompleted');
    expect(completed.some((event) => event.data.onTime) && completed.some((event) => !event.data.onTime)).toBe(true);
  });

  it('gives automated tasks the ids the tasks service derives from their trigger, so a live service replaying them adds none', () => {
    // automationTaskId of @crm/tasks-domain, which this lib may not import.
    const derived = (...parts: string[]) => {
      const hash = createHash('sha1').update(parts.join('\u001f')).digest();
      hash[6] = (hash[6] & 0x0f) | 0x50;
      hash[8] = (hash[8] & 0x3f) | 0x80;
      const hex = hash.subarray(0, 16).toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    };
    const automated = ofType('TaskCreated').filter((event) => event.data.automationRule !== undefined);
    expect(new Set(automated.map((event) => event.data.automationRule))).toEqual(new Set(['lead-assigned', 'stage-playbook', 'deal-went-stale']));
    const slots = new Map<string, number>();
    for (const { data } of automated) {
      const key = `${data.triggeredBy}/${data.automationRule}`;
      const slot = slots.get(key) ?? 0;
      slots.set(key, slot + 1);
      expect(data.taskId).toBe(derived('automation-task', data.triggeredBy as string, data.automationRule as string, String(slot)));
    }
  });
});

describe('generateCrmHistory for a demo that ends now', () => {
  const demo: CrmHistoryOptions = { seed: 7, tenantId: 'tenant-demo', events: 20_000, start: '2024-11-01T00:00:00.000Z', days: 730, regions: ['EMEA', 'NA', 'APAC'] };
  const end = Date.parse(demo.start as string) + 730 * DAY;

  it('stops at the end of the span with stopAt: end, holding about the events asked for', () => {
    const history = generateCrmHistoryArray({ ...demo, stopAt: 'end' });
    const times = history.map(({ event }) => Date.parse(event.occurredAt));
    expect(Math.max(...times)).toBeLessThanOrEqual(end);
    expect(Math.max(...times)).toBeGreaterThan(end - 3 * DAY);
    expect(history.length).toBeGreaterThan(demo.events * 0.7);
    expect(history.length).toBeLessThan(demo.events * 1.3);
  });

  it('scales arrivals by the monthly seasonality, and leaves the history unchanged without it', () => {
    const captured = (history: GeneratedEvent[]) => {
      const perMonth = Array.from({ length: 12 }, () => 0);
      for (const { event } of history) if (event.type === 'LeadCaptured' || (event.type === 'OpportunityOpened' && event.data.leadId === undefined)) perMonth[new Date(event.occurredAt).getUTCMonth()]++;
      return perMonth;
    };
    const seasonality = [1, 1, 1, 1, 1, 1, 0.4, 0.4, 1, 1.8, 1.8, 1];
    const perMonth = captured(generateCrmHistoryArray({ ...demo, stopAt: 'end', seasonality }));
    const flat = captured(generateCrmHistoryArray({ ...demo, stopAt: 'end' }));
    const share = (counts: number[], months: number[]) => months.reduce((sum, month) => sum + counts[month], 0) / counts.reduce((sum, count) => sum + count, 0);
    // October and November (weight 1.8) against July and August (0.4): about 4.5 times the arrivals.
    expect(share(perMonth, [9, 10]) / share(perMonth, [6, 7])).toBeGreaterThan(3);
    expect(share(flat, [9, 10]) / share(flat, [6, 7])).toBeLessThan(1.5);
    expect(JSON.stringify(generateCrmHistoryArray({ ...demo, events: 3_000, seasonality: Array.from({ length: 12 }, () => 2) }))).toBe(
      JSON.stringify(generateCrmHistoryArray({ ...demo, events: 3_000, seasonality: Array.from({ length: 12 }, () => 1) })),
    );
    expect(() => generateCrmHistoryArray({ ...demo, seasonality: [1, 2] })).toThrow(RangeError);
  });
});
