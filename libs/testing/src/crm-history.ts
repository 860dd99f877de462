import { createHash } from 'node:crypto';
import {
  ActivityType,
  CrmEvent,
  CrmEventType,
  EngagementType,
  EventMetadata,
  ForecastCategory,
  LeadSource,
  LeadStatus,
  Money,
  NewEvent,
  PipelineStage,
  RelatedRecord,
  TaskAssignmentSource,
  TaskCreated,
  TaskPriority,
  TaskType,
  TeamMemberUpserted,
  eventCatalogue,
  streamId,
} from '@crm/contracts';
import { derivedEventId } from '@crm/event-sourcing';
import { seededRandom } from '@crm/numerics';

/**
 * A deterministic, seeded simulation of one tenant's CRM history, for analytics tests and
 * benchmarks. Every lead, deal and task is a small state machine that emits what the real deciders
 * would for the commands a sales team sends (same event types, field sets and orders), and the
 * records advance through time together in a priority queue, so the output is ordered by time:
 * the one exception is a few imported records whose history is backdated.
 *
 * Only the records still in progress are held in memory: iterating the generator over a million
 * events needs a few thousand of them, not the events.
 */

/** A catalogue event as appended: its `type` narrows its `data`. */
export type CrmNewEvent = AsNewEvent<CrmEvent>;
type AsNewEvent<E> = E extends CrmEvent ? NewEvent<E['type'], E['data']> : never;

export type GeneratedEvent = { streamId: string; event: CrmNewEvent };

export type CrmHistoryOptions = {
  seed: number;
  tenantId: string;
  /** Generation stops at the end of the command during which this many events were reached. */
  events: number;
  /**
   * `end`: stop instead at the end of the span (start + days), leaving the records then in progress
   * open, as a history that ends now does; `events` then only sets the arrival rate, and the
   * history holds about that many. Default `events`.
   */
  stopAt?: 'events' | 'end';
  /**
   * Relative demand per calendar month, January first (12 positive numbers): the arrival rate of
   * new leads and deals in each month is scaled by its weight over the weights' mean. Default flat.
   */
  seasonality?: number[];
  /** ISO-8601 instant the history starts at; default 2025-01-01T00:00:00.000Z. */
  start?: string;
  /** Span over which leads arrive, in days; default 540. */
  days?: number;
  /** Team member ids of the reps who own leads and deals. */
  owners?: string[];
  teams?: string[];
  managers?: string[];
  products?: string[];
  regions?: string[];
  /** Each deal (and its lead) gets one of these; targets and marketing costs use the first. */
  currencies?: string[];
  stages?: PipelineStage[];
};

export const defaultHistoryStages: readonly PipelineStage[] = [
  { name: 'Prospecting', probability: 10, forecastCategory: 'Pipeline', idleDays: 14 },
  { name: 'Qualification', probability: 25, forecastCategory: 'Pipeline', idleDays: 14 },
  { name: 'Proposal', probability: 50, forecastCategory: 'Best Case', idleDays: 14 },
  { name: 'Negotiation', probability: 75, forecastCategory: 'Commit', idleDays: 14 },
];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// --- vocabulary --------------------------------------------------------------------------------

const firstNames = ['Anna', 'Ben', 'Chloe', 'David', 'Elena', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Kira', 'Liam', 'Maya', 'Noah', 'Olga', 'Pavel', 'Quinn', 'Rosa', 'Sven', 'Tara', 'Umar', 'Vera', 'Wei', 'Yara', 'Zoe', 'Luca', 'Mila', 'Omar', 'Priya', 'Jin'];
const lastNames = ['Adler', 'Berg', 'Costa', 'Dubois', 'Evans', 'Fischer', 'Garcia', 'Hansen', 'Ito', 'Jansen', 'Kowalski', 'Lopez', 'Meyer', 'Nakamura', 'Olsen', 'Petrov', 'Rossi', 'Schmidt', 'Tanaka', 'Usman', 'Varga', 'Weber', 'Young', 'Zhang', 'Novak', 'Silva', 'Moreau', 'Kim', 'Patel', 'Brown'];
const companyStems = ['Acme', 'Nordwind', 'Bluepeak', 'Helix', 'Orbit', 'Quanta', 'Redwood', 'Silverline', 'Tandem', 'Vertex', 'Lumen', 'Kestrel', 'Granite', 'Meridian', 'Polar', 'Summit', 'Cobalt', 'Harbor', 'Ionic', 'Juniper'];
const companyKinds = ['Systems', 'Logistics', 'Health', 'Retail', 'Labs', 'Energy', 'Finance', 'Foods', 'Motors', 'Media', 'Robotics', 'Insurance'];
const industries = ['software', 'finance', 'healthcare', 'retail', 'manufacturing', 'education', 'logistics', 'energy'];
const titles: ReadonlyArray<readonly [string, number]> = [
  ['CEO', 20], ['CTO', 18], ['VP Sales', 15], ['Head of Operations', 12], ['Director IT', 12], ['Procurement Manager', 8], ['Sales Manager', 8], ['Analyst', 3], ['Engineer', 3],
];
const countriesByRegion: Record<string, string[]> = {
  EMEA: ['DE', 'GB', 'FR', 'NL', 'SE', 'ES', 'IT', 'PL', 'AE', 'ZA'],
  NA: ['US', 'CA'],
  APAC: ['JP', 'AU', 'SG', 'IN', 'KR'],
  LATAM: ['BR', 'MX', 'AR', 'CL', 'CO'],
};
const sourceWeights: ReadonlyArray<readonly [LeadSource, number]> = [
  ['web', 30], ['email', 10], ['phone', 8], ['social', 9], ['referral', 12], ['event', 10], ['partner', 9], ['advertising', 10], ['other', 2],
];
/** Sources with a marketing spend, with the monthly range in whole currency units. */
const paidSources: ReadonlyArray<readonly [LeadSource, number, number]> = [
  ['web', 8_000, 25_000], ['email', 2_000, 6_000], ['social', 4_000, 15_000], ['event', 10_000, 60_000], ['partner', 3_000, 12_000], ['advertising', 12_000, 45_000],
];
const sourcePoints: Record<LeadSource, number> = { web: 5, email: 4, phone: 8, social: 3, referral: 15, event: 10, partner: 12, advertising: 4, other: 0 };
const engagementPoints: Record<EngagementType, number> = {
  website_visit: 2, page_view: 1, email_open: 1, email_click: 3, content_download: 5, form_submit: 8, event_attended: 10, call_answered: 6,
};
const engagementTypes = Object.keys(engagementPoints) as EngagementType[];
const disqualifyReasons = ['no budget', 'no authority', 'no need', 'bad timing', 'unresponsive', 'student or competitor', 'too small'];
const lossReasons: ReadonlyArray<readonly [string, number]> = [['price', 25], ['competitor', 30], ['no decision', 20], ['timing', 10], ['budget cut', 8], ['product fit', 7]];
const competitors = ['Salesforce', 'HubSpot', 'Pipedrive', 'Zoho', 'Dynamics'];
const taskTitles: Record<TaskType, string[]> = {
  call: ['Follow-up call', 'Check in on the evaluation', 'Call back about pricing'],
  email: ['Send the case study', 'Email the recap', 'Send pricing details'],
  meeting: ['Product demo', 'Technical deep dive', 'Meet the buying committee'],
  todo: ['Update the account plan', 'Prepare the business case', 'Check references'],
};
const activitySummaries: Record<ActivityType, string[]> = {
  call: ['Discovery call', 'Pricing discussion', 'Follow-up call', 'Left a voicemail'],
  email: ['Sent the proposal', 'Answered security questions', 'Shared a case study', 'Scheduling the next meeting'],
  meeting: ['Product demo', 'Onsite workshop', 'Executive briefing', 'Contract review'],
  note: ['Champion changed roles', 'Budget approved for next quarter', 'Evaluating two vendors', 'Legal review pending'],
};
/** The default automation rules' stage playbooks (keyed by lower-case stage name): their task titles. */
const stagePlaybooks: Record<string, ReadonlyArray<readonly [string, TaskType, TaskPriority, number]>> = {
  prospecting: [['Research the account and its buying centre', 'todo', 'normal', 48]],
  qualification: [['Discovery call', 'call', 'high', 48], ['Confirm budget, authority, need and timeline', 'todo', 'normal', 72]],
  proposal: [['Send the proposal', 'email', 'high', 24], ['Walk the buyer through the proposal', 'meeting', 'normal', 72]],
  negotiation: [['Agree commercial terms', 'meeting', 'high', 48], ['Send the contract for signature', 'email', 'high', 96]],
};
const openCategories: readonly ForecastCategory[] = ['Pipeline', 'Best Case', 'Commit', 'Omitted'];

// --- ids and formats ---------------------------------------------------------------------------

const hexByte = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A UUID in the v5 layout over SHA-1 of a text, as the services derive per-tenant stream ids. */
const sha1Uuid = (text: string): string => {
  const hash = createHash('sha1').update(text).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

// Same derivations as pipelineStreamId (opportunities), teamMemberStreamId (tasks), costStreamId and
// targetStreamId (analytics), which this lib may not import: commands sent to a store loaded with a
// generated history find these streams.
const pipelineStream = (tenantId: string): string => streamId('pipeline', sha1Uuid(`crm-pipeline:${tenantId}`));
const teamMemberStream = (tenantId: string, memberId: string): string => streamId('team', sha1Uuid(['team-member', tenantId, memberId].join('\u001f')));
const costStream = (tenantId: string, source: string, period: string): string => streamId('analytics', derivedEventId(tenantId, `marketing-cost/${source}/${period}`));
const targetStream = (tenantId: string, scope: string, scopeId: string, period: string): string =>
  streamId('analytics', derivedEventId(tenantId, `target/${scope}/${scopeId}/${period}`));

const iso = (ms: number): string => new Date(ms).toISOString();
const calendarDate = (ms: number): string => iso(ms).slice(0, 10);
const monthPeriod = (ms: number): string => iso(ms).slice(0, 7);
const quarterPeriod = (ms: number): string => {
  const date = new Date(ms);
  return `${date.getUTCFullYear()}-Q${Math.floor(date.getUTCMonth() / 3) + 1}`;
};
const monthStartOf = (ms: number): number => {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
};
const nextMonth = (monthStart: number): number => {
  const date = new Date(monthStart);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
};

const minMinor = 100_000; // 1,000.00
const maxMinor = 50_000_000; // 500,000.00
const clampAmount = (minor: number): number => Math.min(maxMinor, Math.max(minMinor, Math.round(minor / 5_000) * 5_000));

// --- the records in progress -------------------------------------------------------------------

type Trigger = { id: string; correlationId: string };

type AgentBase = {
  /** When the record acts next. */
  next: number;
  /** Insertion order: ties in time go first in, first out, so the output is deterministic. */
  seq: number;
  /** Being written by an import, backdated: no scheduler or automation reacts meanwhile. */
  importing: boolean;
};

type LeadPhase = 'capture' | 'route' | 'start-work' | 'work' | 'qualify' | 'convert' | 'disqualify' | 'reopen';

type LeadAgent = AgentBase & {
  kind: 'lead';
  leadId: string;
  stream: string;
  phase: LeadPhase;
  status: LeadStatus;
  source: LeadSource;
  ownerId?: string;
  name: string;
  company: string;
  title: string;
  companySize: number;
  region: string;
  product: string;
  currency: string;
  estimatedMinor?: number;
  score: number;
  engagement: number;
  probability?: number;
  modelVersion?: string;
  workLeft: number;
  /** What the lead ends in once its work is done. */
  outcome: 'qualify' | 'disqualify' | 'stall';
  reopens: number;
  captured?: Trigger;
};

type DealPhase = 'open' | 'step' | 'stale' | 'reopen';

type DealAgent = AgentBase & {
  kind: 'deal';
  opportunityId: string;
  stream: string;
  phase: DealPhase;
  leadId?: string;
  /** The LeadConverted event a conversion's deal is opened for. */
  cause?: Trigger;
  name: string;
  account: string;
  product: string;
  currency: string;
  amountMinor: number;
  ownerId: string;
  expectedClose: number;
  stageIndex: number;
  status: 'open' | 'won' | 'lost';
  override?: ForecastCategory;
  stageEnteredAt: number;
  lastActivityAt: number;
  staleIdleSince: number;
  lastAt: number;
  steps: number;
  reopens: number;
  /** The step a pending stale flag comes before. */
  after: number;
};

type TaskAction =
  | { kind: 'create'; at: number }
  | { kind: 'complete'; at: number }
  | { kind: 'overdue'; at: number }
  | { kind: 'reschedule'; at: number; dueAt: number }
  | { kind: 'reassign'; at: number; assigneeId: string }
  | { kind: 'cancel'; at: number; reason: string };

type TaskAgent = AgentBase & {
  kind: 'task';
  stream: string;
  created: TaskCreated['data'];
  trigger?: Trigger;
  assigneeId: string;
  dueAt: number;
  plan: TaskAction[];
  index: number;
};

type CalendarAgent = AgentBase & { kind: 'calendar'; monthStart: number; phase: 'targets' | 'costs' | 'revisions' };
type ArrivalsAgent = AgentBase & { kind: 'arrivals' };

type Agent = LeadAgent | DealAgent | TaskAgent | CalendarAgent | ArrivalsAgent;

/** Binary min-heap over (next, seq). */
class AgentQueue {
  private readonly heap: Agent[] = [];
  private counter = 0;

  get size(): number {
    return this.heap.length;
  }

  push(agent: Agent): void {
    agent.seq = this.counter++;
    const heap = this.heap;
    let i = heap.push(agent) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(agent, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = agent;
  }

  pop(): Agent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right], heap[left]) ? right : left;
      if (!before(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

const before = (a: Agent, b: Agent): boolean => a.next < b.next || (a.next === b.next && a.seq < b.seq);

type Settings = {
  tenantId: string;
  events: number;
  start: number;
  end: number;
  owners: string[];
  teams: string[];
  managers: string[];
  products: string[];
  regions: string[];
  currencies: string[];
  stages: PipelineStage[];
  stopAt: 'events' | 'end';
  /** Arrival rate factor per calendar month (mean 1), or none for flat demand. */
  demand?: number[];
};

type Member = { memberId: string; role: 'rep' | 'manager'; teamId: string; managerId?: string; region?: string; productLines: string[]; capacity: number };

type EventOf<T extends CrmEventType> = Extract<CrmEvent, { type: T }>;

/** Average events one arrival (a lead, or a deal opened without one) brings, with its tasks and activities: measured. */
const eventsPerArrival = 23.5;

const resolve = (options: CrmHistoryOptions): Settings => {
  const start = Date.parse(options.start ?? '2025-01-01T00:00:00.000Z');
  const days = options.days ?? 540;
  if (!Number.isFinite(start)) throw new RangeError('generateCrmHistory: start is not an ISO-8601 instant');
  if (!(days > 0)) throw new RangeError('generateCrmHistory: days must be positive');
  if (!Number.isInteger(options.events) || options.events < 0) throw new RangeError('generateCrmHistory: events must be a non-negative integer');
  const nonEmpty = (name: string, values: string[] | undefined, fallback: string[]): string[] => {
    if (values !== undefined && values.length === 0) throw new RangeError(`generateCrmHistory: ${name} must not be empty`);
    return [...(values ?? fallback)];
  };
  const stages = options.stages ?? defaultHistoryStages.map((stage) => ({ ...stage }));
  if (stages.length === 0) throw new RangeError('generateCrmHistory: stages must not be empty');
  const weights = options.seasonality;
  if (weights !== undefined && (weights.length !== 12 || !weights.every((weight) => Number.isFinite(weight) && weight > 0))) {
    throw new RangeError('generateCrmHistory: seasonality must be 12 positive monthly weights');
  }
  const meanWeight = weights ? weights.reduce((sum, weight) => sum + weight, 0) / 12 : 1;
  return {
    tenantId: options.tenantId,
    events: options.events,
    start,
    end: start + days * DAY,
    owners: nonEmpty('owners', options.owners, Array.from({ length: 12 }, (_, i) => `rep-${String(i + 1).padStart(2, '0')}`)),
    teams: nonEmpty('teams', options.teams, ['team-1', 'team-2', 'team-3']),
    managers: nonEmpty('managers', options.managers, ['mgr-1', 'mgr-2', 'mgr-3']),
    products: nonEmpty('products', options.products, ['platform', 'analytics', 'billing', 'support']),
    regions: nonEmpty('regions', options.regions, ['EMEA', 'NA', 'APAC', 'LATAM']),
    currencies: nonEmpty('currencies', options.currencies, ['EUR']),
    stages,
    stopAt: options.stopAt ?? 'events',
    ...(weights ? { demand: weights.map((weight) => weight / meanWeight) } : {}),
  };
};

class HistorySimulation {
  private readonly random: () => number;
  private readonly queue = new AgentQueue();
  private readonly members: Member[];
  private readonly repsByRegion = new Map<string, string[]>();
  private readonly managerOf = new Map<string, string>();
  private readonly ownerTargets = new Map<string, number>();
  private readonly pipelineStream: string;
  private readonly meanArrivalGap: number;
  /** The time of the record acting now: what an import backdates against. */
  private now: number;
  /** Events of the step in progress, one array per command (a command's events are never split). */
  batches: GeneratedEvent[][] = [];

  constructor(private readonly settings: Settings, seed: number) {
    this.random = seededRandom(seed);
    this.now = settings.start;
    const { tenantId, teams, managers, owners, regions, products } = settings;
    this.pipelineStream = pipelineStream(tenantId);
    const teamManager = (team: number) => managers[team % managers.length];
    this.members = [
      ...managers.map((memberId, i): Member => ({ memberId, role: 'manager', teamId: teams[i % teams.length], productLines: [...products], capacity: 20 })),
      ...owners.map((memberId, i): Member => {
        const team = i % teams.length;
        const lines = products.length > 1 ? [products[i % products.length], products[(i + 1) % products.length]] : [...products];
        return { memberId, role: 'rep', teamId: teams[team], managerId: teamManager(team), region: regions[i % regions.length], productLines: lines, capacity: 40 + (i % 4) * 10 };
      }),
    ];
    for (const member of this.members) {
      if (member.role !== 'rep' || !member.region) continue;
      this.managerOf.set(member.memberId, member.managerId ?? managers[0]);
      const pool = this.repsByRegion.get(member.region) ?? [];
      pool.push(member.memberId);
      this.repsByRegion.set(member.region, pool);
    }
    const months = Math.ceil((settings.end - settings.start) / (30.4 * DAY)) + 1;
    const fixed = 1 + this.members.length + months * (owners.length + paidSources.length + 3) + Math.ceil(months / 3) * (teams.length + managers.length);
    const arrivals = Math.max(1, (settings.events - fixed) / eventsPerArrival);
    this.meanArrivalGap = (settings.end - settings.start) / arrivals;
  }

  // --- randomness ---

  private chance(p: number): boolean {
    return this.random() < p;
  }
  private between(min: number, max: number): number {
    return min + (max - min) * this.random();
  }
  private int(min: number, max: number): number {
    return min + Math.floor((max - min + 1) * this.random());
  }
  private pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.random() * values.length)];
  }
  private weighted<T>(options: ReadonlyArray<readonly [T, number]>): T {
    let total = 0;
    for (const [, weight] of options) total += weight;
    let u = this.random() * total;
    for (const [value, weight] of options) {
      u -= weight;
      if (u < 0) return value;
    }
    return options[options.length - 1][0];
  }
  private exponential(mean: number): number {
    return -Math.log(1 - this.random()) * mean;
  }
  /** A version-4 UUID drawn from the seeded generator. */
  private uuid(): string {
    const a = Math.floor(this.random() * 4294967296);
    const b = Math.floor(this.random() * 4294967296);
    const c = Math.floor(this.random() * 4294967296);
    const d = Math.floor(this.random() * 4294967296);
    const h = hexByte;
    return (
      h[a >>> 24] + h[(a >>> 16) & 0xff] + h[(a >>> 8) & 0xff] + h[a & 0xff] + '-' +
      h[b >>> 24] + h[(b >>> 16) & 0xff] + '-' +
      h[((b >>> 8) & 0x0f) | 0x40] + h[b & 0xff] + '-' +
      h[((c >>> 24) & 0x3f) | 0x80] + h[(c >>> 16) & 0xff] + '-' +
      h[(c >>> 8) & 0xff] + h[c & 0xff] + h[d >>> 24] + h[(d >>> 16) & 0xff] + h[(d >>> 8) & 0xff] + h[d & 0xff]
    );
  }
  private amount(): number {
    // Log-uniform between the bounds: many small deals, a few large ones.
    return clampAmount(Math.exp(this.between(Math.log(minMinor), Math.log(maxMinor))));
  }

  // --- emitting ---

  private metadata(actorId: string, role: EventMetadata['actor']['role'], cause?: Trigger): EventMetadata {
    if (cause) return { tenantId: this.settings.tenantId, actor: { id: actorId, role }, correlationId: cause.correlationId, causationId: cause.id };
    const request = this.uuid();
    return { tenantId: this.settings.tenantId, actor: { id: actorId, role }, correlationId: request, causationId: request };
  }

  /** A rep's or manager's request, unless the record is being imported. */
  private by(agent: AgentBase, actorId: string, role: EventMetadata['actor']['role'] = 'rep'): EventMetadata {
    return agent.importing ? this.metadata('crm-import', 'integration') : this.metadata(actorId, role);
  }

  private event<T extends CrmEventType>(type: T, data: EventOf<T>['data'], at: number, metadata: EventMetadata): CrmNewEvent {
    return { id: this.uuid(), type, schemaVersion: eventCatalogue[type].version, occurredAt: iso(at), metadata, data } as CrmNewEvent;
  }

  /** Appends one command's events to one stream. */
  private command(stream: string, ...events: CrmNewEvent[]): CrmNewEvent[] {
    this.batches.push(events.map((event) => ({ streamId: stream, event })));
    return events;
  }

  private schedule(agent: Agent): void {
    // An import writes a record's past at once: run it up to the present, then let it go on live.
    while (agent.next < this.now) {
      if (!this.step(agent)) return;
    }
    agent.importing = false;
    this.queue.push(agent);
  }

  // --- the run ---

  *run(): Generator<GeneratedEvent[]> {
    const { settings } = this;
    this.setup();
    yield* this.drain();
    this.queue.push({ kind: 'calendar', next: settings.start, seq: 0, importing: false, monthStart: monthStartOf(settings.start), phase: 'targets' });
    this.queue.push({ kind: 'arrivals', next: settings.start + this.exponential(this.meanArrivalGap), seq: 0, importing: false });
    for (;;) {
      const agent = this.queue.pop();
      if (!agent || (settings.stopAt === 'end' && agent.next > settings.end)) return;
      this.now = agent.next;
      if (this.step(agent)) this.queue.push(agent);
      yield* this.drain();
    }
  }

  private *drain(): Generator<GeneratedEvent[]> {
    const batches = this.batches;
    this.batches = [];
    yield* batches;
  }

  private setup(): void {
    const { start, stages } = this.settings;
    const admin = this.metadata('admin', 'admin');
    this.command(this.pipelineStream, this.event('PipelineStagesDefined', { stages: stages.map((stage) => ({ ...stage })) }, start, admin));
    for (const member of this.members) this.upsertMember(member, start, admin);
  }

  private upsertMember(member: Member, at: number, metadata: EventMetadata): void {
    const data: TeamMemberUpserted['data'] = {
      memberId: member.memberId,
      name: member.memberId.replace(/[-_.]/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase()),
      email: `${member.memberId}@crm.example`,
      role: member.role,
      ...(member.managerId !== undefined ? { managerId: member.managerId } : {}),
      ...(member.region !== undefined ? { region: member.region } : {}),
      teamId: member.teamId,
      productLines: member.productLines,
      capacity: member.capacity,
      active: true,
    };
    this.command(teamMemberStream(this.settings.tenantId, member.memberId), this.event('TeamMemberUpserted', data, at, metadata));
  }

  /** Lets the record act once; false when it has nothing more to do. */
  private step(agent: Agent): boolean {
    switch (agent.kind) {
      case 'lead':
        return this.leadStep(agent);
      case 'deal':
        return this.dealStep(agent);
      case 'task':
        return this.taskStep(agent);
      case 'calendar':
        return this.calendarStep(agent);
      case 'arrivals':
        return this.arrive(agent);
      default: {
        const unreachable: never = agent;
        return unreachable;
      }
    }
  }

  // --- calendar: targets, marketing costs, team changes ---

  private calendarStep(agent: CalendarAgent): boolean {
    const { owners, teams, managers, currencies, start } = this.settings;
    const currency = currencies[0];
    const at = agent.next;
    switch (agent.phase) {
      case 'targets': {
        const period = monthPeriod(agent.monthStart);
        for (const owner of owners) {
          const amount = clampAmount(this.between(60_000, 160_000) * 100);
          this.ownerTargets.set(owner, amount);
          this.setTarget('owner', owner, period, amount, at, this.metadata(this.managerOf.get(owner) ?? managers[0], 'manager'));
        }
        const month = new Date(agent.monthStart).getUTCMonth();
        if (month % 3 === 0 || agent.monthStart < start) {
          const quarter = quarterPeriod(agent.monthStart);
          const perTeam = (owners.length / teams.length) * 3 * 110_000 * 100;
          const admin = this.metadata('admin', 'admin');
          for (const team of teams) this.setTarget('team', team, quarter, clampAmount(perTeam * this.between(0.9, 1.2)), at, admin);
          for (const manager of managers) this.setTarget('manager', manager, quarter, clampAmount(perTeam * this.between(0.9, 1.2)), at, admin);
        }
        agent.phase = 'costs';
        agent.next = Math.max(at, agent.monthStart + 2 * DAY + 6 * HOUR);
        return true;
      }
      case 'costs': {
        // Last month's spend, once its invoices are in; the first month has no previous one in the history.
        if (agent.monthStart > start) {
          const period = monthPeriod(agent.monthStart - DAY);
          const sync = this.metadata('marketing-sync', 'integration');
          for (const [source, min, max] of paidSources) {
            const amount: Money = { amountMinor: Math.round(this.between(min, max)) * 100, currency };
            this.command(costStream(this.settings.tenantId, source, period), this.event('MarketingCostRecorded', { source, period, amount }, at, sync));
          }
        }
        agent.phase = 'revisions';
        agent.next = Math.max(at, agent.monthStart + 14 * DAY + 10 * HOUR);
        return true;
      }
      case 'revisions': {
        // A target replaced mid-month, a cost corrected, now and then a member moved to another team.
        const owner = this.pick(owners);
        const revised = clampAmount((this.ownerTargets.get(owner) ?? 10_000_000) * this.between(0.8, 1.25));
        this.setTarget('owner', owner, monthPeriod(agent.monthStart), revised, at, this.metadata(this.managerOf.get(owner) ?? managers[0], 'manager'));
        if (agent.monthStart > start && this.chance(0.3)) {
          const [source, min, max] = this.pick(paidSources);
          const amount: Money = { amountMinor: Math.round(this.between(min, max)) * 100, currency };
          const period = monthPeriod(agent.monthStart - DAY);
          this.command(costStream(this.settings.tenantId, source, period), this.event('MarketingCostRecorded', { source, period, amount }, at, this.metadata('marketing-sync', 'integration')));
        }
        if (this.chance(0.3)) {
          const reps = this.members.filter((member) => member.role === 'rep');
          const member = this.pick(reps);
          if (teams.length > 1 && this.chance(0.5)) {
            const team = (teams.indexOf(member.teamId) + 1) % teams.length;
            member.teamId = teams[team];
            member.managerId = managers[team % managers.length];
            this.managerOf.set(member.memberId, member.managerId);
          } else member.capacity = this.pick([30, 40, 50, 60, 70].filter((capacity) => capacity !== member.capacity));
          this.upsertMember(member, at, this.metadata('admin', 'admin'));
        }
        agent.monthStart = nextMonth(agent.monthStart);
        agent.phase = 'targets';
        agent.next = agent.monthStart + 7 * HOUR;
        return true;
      }
      default: {
        const unreachable: never = agent.phase;
        return unreachable;
      }
    }
  }

  private setTarget(scope: 'owner' | 'team' | 'manager', scopeId: string, period: string, amountMinor: number, at: number, metadata: EventMetadata): void {
    const amount: Money = { amountMinor, currency: this.settings.currencies[0] };
    this.command(targetStream(this.settings.tenantId, scope, scopeId, period), this.event('TargetSet', { scope, scopeId, period, amount }, at, metadata));
  }

  // --- arrivals ---

  private arrive(agent: ArrivalsAgent): boolean {
    const at = agent.next;
    // A few records come in through an import, their history dated well before now.
    const importable = at - this.settings.start > 60 * DAY && this.chance(0.01);
    const born = importable ? at - this.between(20 * DAY, Math.min(300 * DAY, at - this.settings.start - DAY)) : at;
    if (this.chance(0.86)) this.schedule(this.newLead(born, importable));
    else this.schedule(this.newDeal(born, importable));
    const gap = this.exponential(this.meanArrivalGap);
    const { demand } = this.settings;
    agent.next = at + (demand ? gap / demand[new Date(at).getUTCMonth()] : gap);
    return true;
  }

  private company(): string {
    return `${this.pick(companyStems)} ${this.pick(companyKinds)}`;
  }

  private newLead(at: number, importing: boolean): LeadAgent {
    const { regions, products, currencies } = this.settings;
    const region = this.pick(regions);
    const source = this.weighted(sourceWeights);
    const roll = this.random();
    const outcome = roll < 0.58 ? 'qualify' : roll < 0.9 ? 'disqualify' : 'stall';
    return {
      kind: 'lead',
      next: at,
      seq: 0,
      importing,
      leadId: this.uuid(),
      stream: '',
      phase: 'capture',
      status: 'new',
      source,
      name: `${this.pick(firstNames)} ${this.pick(lastNames)}`,
      company: this.company(),
      title: this.weighted(titles),
      companySize: Math.round(Math.exp(this.between(Math.log(5), Math.log(20_000)))),
      region,
      product: this.pick(products),
      currency: this.pick(currencies),
      estimatedMinor: this.chance(0.8) ? this.amount() : undefined,
      score: 0,
      engagement: 0,
      workLeft: this.int(1, 6),
      outcome,
      reopens: 0,
    };
  }

  private newDeal(at: number, importing: boolean): DealAgent {
    const { currencies, products, owners } = this.settings;
    const account = this.company();
    const product = this.pick(products);
    return {
      kind: 'deal',
      next: at,
      seq: 0,
      importing,
      opportunityId: this.uuid(),
      stream: '',
      phase: 'open',
      name: `${account} - ${product}`,
      account,
      product,
      currency: this.pick(currencies),
      amountMinor: this.amount(),
      ownerId: this.pick(owners),
      expectedClose: at + this.between(30, 180) * DAY,
      stageIndex: this.settings.stages.length > 1 && this.chance(0.2) ? 1 : 0,
      status: 'open',
      stageEnteredAt: at,
      lastActivityAt: -1,
      staleIdleSince: -1,
      lastAt: at,
      steps: 0,
      reopens: 0,
      after: 0,
    };
  }

  // --- leads ---

  private scoreOf(lead: LeadAgent, at: number): { score: number; probability?: number; modelVersion?: string; contributions: Record<string, number> } {
    const seniority = /^(CEO|CTO|VP)/.test(lead.title) ? 20 : /^(Head|Director)/.test(lead.title) ? 12 : /Manager/.test(lead.title) ? 6 : 2;
    const size = lead.companySize >= 1_000 ? 15 : lead.companySize >= 100 ? 8 : 3;
    const value = lead.estimatedMinor === undefined ? 0 : lead.estimatedMinor >= 10_000_000 ? 15 : lead.estimatedMinor >= 1_000_000 ? 8 : 3;
    const contributions: Record<string, number> = { source: sourcePoints[lead.source], titleSeniority: seniority, companySize: size };
    if (value) contributions['estimatedValue'] = value;
    if (lead.engagement) contributions['engagement'] = lead.engagement;
    const score = Math.min(100, sourcePoints[lead.source] + seniority + size + value + lead.engagement);
    // From the second half-year on, a trained model scores leads too.
    if (at - this.settings.start < 180 * DAY) return { score, contributions };
    const probability = Math.round((1 / (1 + Math.exp(-(score - 45) / 12))) * 10_000) / 10_000;
    return { score, probability, modelVersion: 'lead-conversion-2025.07', contributions };
  }

  /** LeadScored, when the score differs from the last one (as the decider decides). */
  private rescored(lead: LeadAgent, at: number, metadata: EventMetadata, always = false): CrmNewEvent[] {
    const next = this.scoreOf(lead, at);
    if (!always && next.score === lead.score && next.probability === lead.probability && next.modelVersion === lead.modelVersion) return [];
    lead.score = next.score;
    lead.probability = next.probability;
    lead.modelVersion = next.modelVersion;
    return [this.event('LeadScored', { leadId: lead.leadId, ...next }, at, metadata)];
  }

  private leadStep(lead: LeadAgent): boolean {
    const at = lead.next;
    switch (lead.phase) {
      case 'capture': {
        lead.stream = streamId('lead', lead.leadId);
        const selfOwned = !lead.importing && ['phone', 'email', 'referral', 'partner', 'other'].includes(lead.source) && this.chance(0.6);
        if (selfOwned || lead.importing) lead.ownerId = this.repFor(lead.region);
        const metadata = lead.importing
          ? this.metadata('crm-import', 'integration')
          : selfOwned && lead.ownerId
            ? this.metadata(lead.ownerId, 'rep')
            : this.metadata(lead.source === 'event' ? 'event-import' : 'web-forms', 'integration');
        const [first, last] = lead.name.toLowerCase().split(' ');
        const countries = countriesByRegion[lead.region];
        const estimatedValue: Money | undefined = lead.estimatedMinor === undefined ? undefined : { amountMinor: lead.estimatedMinor, currency: lead.currency };
        const captured = this.event(
          'LeadCaptured',
          {
            leadId: lead.leadId,
            name: lead.name,
            email: `${first}.${last}@${lead.company.split(' ')[0].toLowerCase()}.example`,
            ...(this.chance(0.5) ? { phone: `+1555${String(this.int(0, 9_999_999)).padStart(7, '0')}` } : {}),
            company: lead.company,
            title: lead.title,
            companySize: lead.companySize,
            industry: this.pick(industries),
            ...(countries ? { country: this.pick(countries) } : {}),
            region: lead.region,
            productInterest: lead.product,
            ...(estimatedValue ? { estimatedValue } : {}),
            source: lead.source,
            ...(lead.ownerId ? { ownerId: lead.ownerId } : {}),
          },
          at,
          metadata,
        );
        this.command(lead.stream, captured, ...this.rescored(lead, at, metadata, true));
        lead.captured = { id: captured.id, correlationId: metadata.correlationId };
        if (lead.ownerId) {
          // A lead captured with an owner counts as assigned for automation; it starts work later.
          this.automationTask(captured.id, metadata.correlationId, { type: 'lead', id: lead.leadId }, lead.ownerId, at, lead.importing);
          lead.phase = 'start-work';
          lead.next = at + this.between(0.5, 30) * HOUR;
        } else {
          lead.phase = 'route';
          lead.next = at + this.between(1, 40) * 1_000;
        }
        return true;
      }
      case 'route': {
        const ownerId = this.repFor(lead.region);
        const metadata = this.metadata('lead-routing', 'system', lead.captured);
        const [assigned] = this.command(
          lead.stream,
          this.event('LeadAssigned', { leadId: lead.leadId, ownerId, routedBy: 'rules' }, at, metadata),
          this.event('LeadStatusChanged', { leadId: lead.leadId, from: 'new', to: 'working' }, at, metadata),
        );
        lead.ownerId = ownerId;
        lead.status = 'working';
        this.automationTask(assigned.id, metadata.correlationId, { type: 'lead', id: lead.leadId }, ownerId, at, lead.importing);
        lead.phase = 'work';
        lead.next = at + this.exponential(3 * DAY) + HOUR;
        return true;
      }
      case 'start-work': {
        this.command(lead.stream, this.event('LeadStatusChanged', { leadId: lead.leadId, from: 'new', to: 'working' }, at, this.by(lead, lead.ownerId ?? 'admin')));
        lead.status = 'working';
        lead.phase = 'work';
        lead.next = at + this.exponential(3 * DAY) + HOUR;
        return true;
      }
      case 'work':
        if (lead.workLeft-- > 0) {
          this.leadWork(lead, at);
          lead.next = at + this.exponential(4 * DAY) + HOUR;
          return true;
        }
        lead.phase = lead.outcome === 'qualify' ? 'qualify' : 'disqualify';
        if (lead.outcome === 'stall') return false;
        return this.leadStep(lead);
      case 'qualify': {
        this.command(lead.stream, this.event('LeadQualified', { leadId: lead.leadId }, at, this.by(lead, lead.ownerId ?? 'admin')));
        lead.status = 'qualified';
        const roll = this.random();
        if (roll < 0.08) return false; // stays qualified
        lead.phase = roll < 0.88 ? 'convert' : 'disqualify';
        lead.next = at + this.between(0.5, 14) * DAY;
        return true;
      }
      case 'convert':
        this.convert(lead, at);
        return false;
      case 'disqualify': {
        const reason = this.pick(disqualifyReasons);
        this.command(lead.stream, this.event('LeadDisqualified', { leadId: lead.leadId, reason }, at, this.by(lead, lead.ownerId ?? 'admin')));
        lead.status = 'disqualified';
        if (lead.reopens >= 2 || !this.chance(0.15)) return false;
        lead.phase = 'reopen';
        lead.next = at + this.between(10, 120) * DAY;
        return true;
      }
      case 'reopen': {
        this.command(lead.stream, this.event('LeadReopened', { leadId: lead.leadId }, at, this.by(lead, lead.ownerId ?? 'admin')));
        lead.status = 'working';
        lead.reopens++;
        lead.workLeft = this.int(1, 4);
        lead.outcome = this.chance(0.6) ? 'qualify' : 'disqualify';
        lead.phase = 'work';
        lead.next = at + this.exponential(3 * DAY) + HOUR;
        return true;
      }
      default: {
        const unreachable: never = lead.phase;
        return unreachable;
      }
    }
  }

  private leadWork(lead: LeadAgent, at: number): void {
    const owner = lead.ownerId ?? this.settings.owners[0];
    const roll = this.random();
    if (roll < 0.34) {
      const metadata = lead.importing ? this.metadata('crm-import', 'integration') : this.metadata('marketing-automation', 'integration');
      const engagementType = this.pick(engagementTypes);
      const count = this.int(1, 4);
      lead.engagement = Math.min(30, lead.engagement + engagementPoints[engagementType] * count);
      const durationSeconds = engagementType === 'website_visit' || engagementType === 'call_answered' ? this.int(20, 900) : undefined;
      const recorded = this.event(
        'LeadEngagementRecorded',
        { leadId: lead.leadId, engagementType, count, ...(durationSeconds !== undefined ? { durationSeconds } : {}) },
        at,
        metadata,
      );
      this.command(lead.stream, recorded, ...this.rescored(lead, at, metadata));
    } else if (roll < 0.64) {
      this.activity({ type: 'lead', id: lead.leadId }, owner, at, lead);
    } else if (roll < 0.76) {
      if (!lead.importing) this.explicitTask({ type: 'lead', id: lead.leadId }, owner, at);
    } else if (roll < 0.86) {
      const metadata = this.by(lead, owner);
      const changes: { title?: string; companySize?: number } = {};
      if (this.chance(0.5)) changes.title = lead.title = this.weighted(titles.filter(([title]) => title !== lead.title));
      else changes.companySize = lead.companySize += this.int(1, 500);
      this.command(lead.stream, this.event('LeadUpdated', { leadId: lead.leadId, changes }, at, metadata), ...this.rescored(lead, at, metadata));
    } else if (roll < 0.94) {
      // A manager hands the lead to another rep.
      const others = this.settings.owners.filter((id) => id !== lead.ownerId);
      if (others.length === 0) return;
      const ownerId = this.pick(others);
      const metadata = this.by(lead, this.managerOf.get(owner) ?? this.settings.managers[0], 'manager');
      const [assigned] = this.command(
        lead.stream,
        this.event('LeadAssigned', { leadId: lead.leadId, ownerId, routedBy: 'manual', ...(lead.ownerId ? { previousOwnerId: lead.ownerId } : {}) }, at, metadata),
      );
      lead.ownerId = ownerId;
      this.automationTask(assigned.id, metadata.correlationId, { type: 'lead', id: lead.leadId }, ownerId, at, lead.importing);
    } else {
      // The scoring service re-scores open leads when its rules or model change.
      const metadata = this.metadata('lead-scoring', 'system');
      lead.engagement = Math.max(0, lead.engagement - 3);
      const events = this.rescored(lead, at, metadata);
      if (events.length) this.command(lead.stream, ...events);
    }
  }

  private repFor(region: string): string {
    return this.pick(this.repsByRegion.get(region) ?? this.settings.owners);
  }

  private convert(lead: LeadAgent, at: number): void {
    const metadata = this.by(lead, lead.ownerId ?? 'admin');
    const deal = this.newDeal(at, lead.importing);
    deal.account = lead.company;
    deal.product = lead.product;
    deal.name = `${lead.company} - ${lead.product}`;
    deal.currency = lead.currency;
    deal.leadId = lead.leadId;
    deal.stageIndex = 0;
    if (lead.estimatedMinor !== undefined) deal.amountMinor = clampAmount(lead.estimatedMinor * this.between(0.8, 1.2));
    if (lead.ownerId) deal.ownerId = lead.ownerId;
    const [converted] = this.command(
      lead.stream,
      this.event(
        'LeadConverted',
        {
          leadId: lead.leadId,
          opportunityId: deal.opportunityId,
          opportunityName: deal.name,
          accountName: lead.company,
          amount: { amountMinor: deal.amountMinor, currency: deal.currency },
          productType: lead.product,
          expectedCloseDate: calendarDate(deal.expectedClose),
          source: lead.source,
          ...(lead.ownerId ? { ownerId: lead.ownerId } : {}),
          region: lead.region,
        },
        at,
        metadata,
      ),
    );
    lead.status = 'converted';
    // The opportunities service opens the deal on LeadConverted, under the id the lead chose.
    deal.cause = { id: converted.id, correlationId: metadata.correlationId };
    if (this.dealStep(deal)) this.schedule(deal);
  }

  // --- deals ---

  private stageData(index: number): { stage: string; probability: number; forecastCategory: ForecastCategory } {
    const stage = this.settings.stages[index];
    return { stage: stage.name, probability: stage.probability, forecastCategory: stage.forecastCategory };
  }

  private dealStep(deal: DealAgent): boolean {
    const at = deal.next;
    const stages = this.settings.stages;
    switch (deal.phase) {
      case 'open': {
        deal.stream = streamId('opportunity', deal.opportunityId);
        const metadata = deal.cause ? this.metadata('lead-conversion', 'system', deal.cause) : this.by(deal, deal.ownerId);
        const { stage, probability, forecastCategory } = this.stageData(deal.stageIndex);
        this.command(
          deal.stream,
          this.event(
            'OpportunityOpened',
            {
              opportunityId: deal.opportunityId,
              name: deal.name,
              accountName: deal.account,
              amount: { amountMinor: deal.amountMinor, currency: deal.currency },
              productType: deal.product,
              ownerId: deal.ownerId,
              stage,
              probability,
              forecastCategory,
              expectedCloseDate: calendarDate(deal.expectedClose),
              ...(deal.leadId ? { leadId: deal.leadId } : {}),
            },
            at,
            metadata,
          ),
        );
        deal.stageEnteredAt = at;
        deal.lastAt = at;
        deal.phase = 'step';
        this.planDealStep(deal, at);
        return true;
      }
      case 'stale': {
        const idleSince = Math.max(deal.stageEnteredAt, deal.lastActivityAt);
        const idleDays = stages[deal.stageIndex].idleDays;
        const metadata = this.metadata('stale-deal-scheduler', 'system');
        const [stale] = this.command(
          deal.stream,
          this.event('DealWentStale', { opportunityId: deal.opportunityId, stage: stages[deal.stageIndex].name, idleSince: iso(idleSince), idleDays }, at, metadata),
        );
        deal.staleIdleSince = idleSince;
        deal.lastAt = at;
        this.playbookTask(stale.id, metadata.correlationId, deal, at, [['Follow up on the stalled deal', 'call', 'high', 24]], 'deal-went-stale');
        deal.phase = 'step';
        deal.next = deal.after;
        return true;
      }
      case 'reopen': {
        const previousStatus = deal.status === 'won' ? 'won' : 'lost';
        this.command(
          deal.stream,
          this.event('OpportunityReopened', { opportunityId: deal.opportunityId, previousStatus, ...this.stageData(deal.stageIndex) }, at, this.by(deal, deal.ownerId)),
        );
        deal.status = 'open';
        deal.reopens++;
        deal.stageEnteredAt = at;
        deal.lastAt = at;
        deal.steps = Math.min(deal.steps, 30);
        deal.phase = 'step';
        this.planDealStep(deal, at);
        return true;
      }
      case 'step':
        return this.dealAction(deal, at);
      default: {
        const unreachable: never = deal.phase;
        return unreachable;
      }
    }
  }

  /** Schedules the deal's next move, with the stale flag the scheduler would raise before it. */
  private planDealStep(deal: DealAgent, at: number): void {
    const next = at + this.exponential(5 * DAY) + HOUR;
    deal.next = next;
    if (deal.importing) return;
    const idleSince = Math.max(deal.stageEnteredAt, deal.lastActivityAt);
    const wentStale = idleSince + this.settings.stages[deal.stageIndex].idleDays * DAY;
    if (next > wentStale && wentStale >= deal.lastAt && deal.staleIdleSince !== idleSince) {
      deal.phase = 'stale';
      deal.after = next;
      deal.next = wentStale;
    }
  }

  private dealAction(deal: DealAgent, at: number): boolean {
    const stages = this.settings.stages;
    const last = stages.length - 1;
    const i = deal.stageIndex;
    const progress = last === 0 ? 1 : i / last;
    deal.steps++;
    const action =
      deal.steps > 60
        ? 'lose'
        : this.weighted([
            ['forward', i < last ? 26 : 0],
            ['backward', i > 0 ? 8 + 5 * progress : 0],
            ['update', 13],
            ['activity', 22],
            ['task', 5],
            ['win', 1 + 12 * progress * progress],
            ['lose', 6 + 3 * progress],
          ] as const);
    switch (action) {
      case 'forward':
      case 'backward': {
        const jump = this.chance(0.12) ? 2 : 1;
        const to = action === 'forward' ? Math.min(last, i + jump) : Math.max(0, i - jump);
        const metadata = this.by(deal, deal.ownerId);
        const { stage, probability, forecastCategory } = this.stageData(to);
        const [changed] = this.command(
          deal.stream,
          this.event('OpportunityStageChanged', { opportunityId: deal.opportunityId, from: stages[i].name, to: stage, direction: action, probability, forecastCategory }, at, metadata),
        );
        deal.stageIndex = to;
        deal.stageEnteredAt = at;
        deal.override = undefined;
        const playbook = stagePlaybooks[stage.trim().toLowerCase()];
        if (playbook) this.playbookTask(changed.id, metadata.correlationId, deal, at, playbook, 'stage-playbook');
        break;
      }
      case 'update':
        this.updateDeal(deal, at);
        break;
      case 'activity':
        this.activity({ type: 'opportunity', id: deal.opportunityId }, deal.ownerId, at, deal);
        deal.lastActivityAt = at;
        break;
      case 'task':
        if (!deal.importing) this.explicitTask({ type: 'opportunity', id: deal.opportunityId }, deal.ownerId, at);
        break;
      case 'win': {
        const amountMinor = this.chance(0.3) ? clampAmount(deal.amountMinor * this.between(0.85, 1)) : deal.amountMinor;
        this.command(
          deal.stream,
          this.event('OpportunityWon', { opportunityId: deal.opportunityId, amount: { amountMinor, currency: deal.currency }, fromStage: stages[i].name }, at, this.by(deal, deal.ownerId)),
        );
        deal.amountMinor = amountMinor;
        return this.closed(deal, 'won', at);
      }
      case 'lose': {
        const reason = deal.steps > 60 ? 'no decision' : this.weighted(lossReasons);
        const competitor = reason === 'competitor' || (reason === 'price' && this.chance(0.4)) ? this.pick(competitors) : undefined;
        this.command(
          deal.stream,
          this.event('OpportunityLost', { opportunityId: deal.opportunityId, reason, ...(competitor ? { competitor } : {}), fromStage: stages[i].name }, at, this.by(deal, deal.ownerId)),
        );
        return this.closed(deal, 'lost', at);
      }
      default: {
        const unreachable: never = action;
        return unreachable;
      }
    }
    deal.lastAt = at;
    this.planDealStep(deal, at);
    return true;
  }

  private closed(deal: DealAgent, status: 'won' | 'lost', at: number): boolean {
    deal.status = status;
    deal.override = undefined;
    deal.lastAt = at;
    if (deal.reopens >= 2 || !this.chance(status === 'won' ? 0.05 : 0.12)) return false;
    deal.phase = 'reopen';
    deal.next = at + this.between(3, 60) * DAY;
    return true;
  }

  private updateDeal(deal: DealAgent, at: number): void {
    const changes: { amount?: Money; expectedCloseDate?: string; ownerId?: string; forecastCategory?: ForecastCategory; name?: string } = {};
    const roll = this.random();
    if (roll < 0.4 || this.chance(0.2)) {
      const amountMinor = clampAmount(deal.amountMinor * this.between(0.7, 1.35));
      if (amountMinor !== deal.amountMinor) {
        deal.amountMinor = amountMinor;
        changes.amount = { amountMinor, currency: deal.currency };
      }
    }
    if ((roll >= 0.4 && roll < 0.75) || this.chance(0.15)) {
      const expectedClose = Math.max(at + DAY, deal.expectedClose + this.between(-10, 60) * DAY);
      if (calendarDate(expectedClose) !== calendarDate(deal.expectedClose)) {
        deal.expectedClose = expectedClose;
        changes.expectedCloseDate = calendarDate(expectedClose);
      }
    }
    if (roll >= 0.75 && roll < 0.87) {
      const others = this.settings.owners.filter((id) => id !== deal.ownerId);
      if (others.length) changes.ownerId = deal.ownerId = this.pick(others);
    }
    if (roll >= 0.87 && roll < 0.97) changes.forecastCategory = deal.override = this.pick(openCategories.filter((category) => category !== deal.override));
    if (roll >= 0.97) {
      const name = `${deal.account} - ${deal.product} ${this.pick(['expansion', 'renewal', 'pilot', 'rollout'])}`;
      if (name !== deal.name) changes.name = deal.name = name;
    }
    // The decider records only what changed, and nothing when nothing did.
    if (Object.keys(changes).length === 0) return;
    this.command(deal.stream, this.event('OpportunityUpdated', { opportunityId: deal.opportunityId, changes }, at, this.by(deal, deal.ownerId)));
  }

  // --- activities and tasks ---

  private activity(related: RelatedRecord, ownerId: string, at: number, record: AgentBase): void {
    const activityType = this.weighted<ActivityType>([['call', 35], ['email', 35], ['meeting', 15], ['note', 15]]);
    const activityId = this.uuid();
    const direction = activityType === 'note' ? undefined : this.chance(0.7) ? 'outbound' : 'inbound';
    const durationMinutes = activityType === 'call' ? this.int(2, 45) : activityType === 'meeting' ? this.int(15, 90) : undefined;
    this.command(
      streamId('activity', activityId),
      this.event(
        'ActivityLogged',
        {
          activityId,
          activityType,
          related,
          summary: this.pick(activitySummaries[activityType]),
          ...(direction !== undefined ? { direction } : {}),
          ...(durationMinutes !== undefined ? { durationMinutes } : {}),
        },
        at,
        this.by(record, ownerId),
      ),
    );
  }

  private explicitTask(related: RelatedRecord, ownerId: string, at: number): void {
    const taskType = this.weighted<TaskType>([['call', 35], ['email', 25], ['meeting', 15], ['todo', 25]]);
    const dueAt = at + this.int(1, 10) * DAY + this.int(0, 8) * HOUR;
    this.newTask(
      { title: this.pick(taskTitles[taskType]), taskType, related, dueAt: iso(dueAt), priority: this.weighted<TaskPriority>([['low', 2], ['normal', 6], ['high', 2]]) },
      ownerId,
      'explicit',
      at,
      dueAt,
    );
  }

  /** The default automation rules' "first contact" task for a lead's (new) owner. */
  private automationTask(triggerId: string, correlationId: string, related: RelatedRecord, ownerId: string, at: number, importing: boolean): void {
    if (importing) return;
    const dueAt = at + 24 * HOUR;
    this.newTask(
      { title: 'First contact', taskType: 'call', related, dueAt: iso(dueAt), priority: 'high', notes: 'Contact the lead within 24 h of assignment.', triggeredBy: triggerId, automationRule: 'lead-assigned' },
      ownerId,
      'record-owner',
      at + this.between(1, 30) * 1_000,
      dueAt,
      { id: triggerId, correlationId },
    );
  }

  private playbookTask(
    triggerId: string,
    correlationId: string,
    deal: DealAgent,
    at: number,
    playbook: ReadonlyArray<readonly [string, TaskType, TaskPriority, number]>,
    rule: 'stage-playbook' | 'deal-went-stale',
  ): void {
    if (deal.importing) return;
    const createdAt = at + this.between(1, 30) * 1_000;
    for (const [slot, [title, taskType, priority, dueInHours]] of playbook.entries()) {
      const dueAt = at + dueInHours * HOUR;
      const notes = rule === 'stage-playbook' ? `Playbook of stage ${this.settings.stages[deal.stageIndex].name}.` : `No stage change or activity since ${iso(Math.max(deal.stageEnteredAt, deal.lastActivityAt))}.`;
      this.newTask(
        { title, taskType, related: { type: 'opportunity', id: deal.opportunityId }, dueAt: iso(dueAt), priority, notes, triggeredBy: triggerId, automationRule: rule },
        deal.ownerId,
        'record-owner',
        createdAt,
        dueAt,
        { id: triggerId, correlationId },
        slot,
      );
    }
  }

  private newTask(
    fields: Omit<TaskCreated['data'], 'taskId' | 'assigneeId' | 'assignedBy'>,
    assigneeId: string,
    assignedBy: TaskAssignmentSource,
    at: number,
    dueAt: number,
    trigger?: Trigger,
    slot = 0,
  ): void {
    // An automated task's id is the one the tasks service derives from its trigger (automationTaskId),
    // so a live service that replays the generated history finds the task there and adds none. The
    // random id is drawn anyway: the rest of the history stays what it was for the same seed.
    const drawn = this.uuid();
    const taskId = trigger && fields.automationRule ? sha1Uuid(['automation-task', trigger.id, fields.automationRule, String(slot)].join('\u001f')) : drawn;
    const created: TaskCreated['data'] = {
      taskId,
      title: fields.title,
      taskType: fields.taskType,
      related: fields.related,
      dueAt: fields.dueAt,
      priority: fields.priority,
      assigneeId,
      assignedBy,
      ...(fields.notes !== undefined ? { notes: fields.notes } : {}),
      ...(fields.triggeredBy !== undefined ? { triggeredBy: fields.triggeredBy } : {}),
      ...(fields.automationRule !== undefined ? { automationRule: fields.automationRule } : {}),
    };
    const task: TaskAgent = { kind: 'task', next: at, seq: 0, importing: false, stream: streamId('task', taskId), created, trigger, assigneeId, dueAt, plan: this.taskPlan(at, dueAt), index: 0 };
    this.schedule(task);
  }

  /** What will happen to a task, decided when it is created. */
  private taskPlan(createdAt: number, dueAt: number): TaskAction[] {
    const plan: TaskAction[] = [{ kind: 'create', at: createdAt }];
    const window = Math.max(MINUTE, dueAt - createdAt);
    const tick = () => dueAt + this.between(1, 15) * MINUTE; // the overdue scheduler runs every quarter of an hour
    const fate = this.weighted([
      ['on-time', 58], ['late', 14], ['rescheduled', 7], ['reassigned', 4], ['cancelled', 9], ['overdue-cancelled', 4], ['abandoned', 4],
    ] as const);
    switch (fate) {
      case 'on-time':
        plan.push({ kind: 'complete', at: createdAt + this.between(0.05, 0.98) * window });
        break;
      case 'late': {
        const overdue = tick();
        plan.push({ kind: 'overdue', at: overdue }, { kind: 'complete', at: overdue + this.between(1, 96) * HOUR });
        break;
      }
      case 'rescheduled': {
        const at = createdAt + this.between(0.1, 0.9) * window;
        const newDue = dueAt + this.int(1, 7) * DAY;
        plan.push({ kind: 'reschedule', at, dueAt: newDue });
        if (this.chance(0.7)) plan.push({ kind: 'complete', at: at + this.between(0.05, 0.95) * (newDue - at) });
        else {
          const overdue = newDue + this.between(1, 15) * MINUTE;
          plan.push({ kind: 'overdue', at: overdue }, { kind: 'complete', at: overdue + this.between(1, 72) * HOUR });
        }
        break;
      }
      case 'reassigned': {
        const at = createdAt + this.between(0.05, 0.5) * window;
        const others = this.settings.owners;
        plan.push({ kind: 'reassign', at, assigneeId: this.pick(others) }, { kind: 'complete', at: at + this.between(0.05, 0.9) * (dueAt - at) });
        break;
      }
      case 'cancelled':
        plan.push({ kind: 'cancel', at: createdAt + this.between(0.05, 0.95) * window, reason: this.pick(['no longer needed', 'duplicate', 'customer cancelled the meeting', 'deal closed']) });
        break;
      case 'overdue-cancelled': {
        const overdue = tick();
        plan.push({ kind: 'overdue', at: overdue }, { kind: 'cancel', at: overdue + this.between(1, 10) * DAY, reason: 'no longer relevant' });
        break;
      }
      case 'abandoned':
        plan.push({ kind: 'overdue', at: tick() });
        break;
      default: {
        const unreachable: never = fate;
        return unreachable;
      }
    }
    return plan;
  }

  private taskStep(task: TaskAgent): boolean {
    const action = task.plan[task.index];
    const at = action.at;
    const taskId = task.created.taskId;
    switch (action.kind) {
      case 'create':
        this.command(
          task.stream,
          this.event('TaskCreated', task.created, at, task.trigger ? this.metadata('task-automation', 'system', task.trigger) : this.metadata(task.assigneeId, 'rep')),
        );
        break;
      case 'complete': {
        const outcome = this.chance(0.6) ? { outcome: this.pick(['done', 'reached the buyer', 'left a voicemail', 'sent']) } : {};
        this.command(
          task.stream,
          this.event('TaskCompleted', { taskId, ...outcome, onTime: at <= task.dueAt, assigneeId: task.assigneeId, dueAt: iso(task.dueAt) }, at, this.metadata(task.assigneeId, 'rep')),
        );
        break;
      }
      case 'overdue': {
        const metadata = this.metadata('task-scheduler', 'system');
        this.command(task.stream, this.event('TaskBecameOverdue', { taskId, dueAt: iso(task.dueAt), assigneeId: task.assigneeId }, at, metadata));
        break;
      }
      case 'reschedule':
        this.command(task.stream, this.event('TaskUpdated', { taskId, changes: { dueAt: iso(action.dueAt) } }, at, this.metadata(task.assigneeId, 'rep')));
        task.dueAt = action.dueAt;
        break;
      case 'reassign':
        // Reassigning to the current assignee records nothing, as the decider decides.
        if (action.assigneeId !== task.assigneeId) {
          const metadata = this.metadata(this.managerOf.get(task.assigneeId) ?? this.settings.managers[0], 'manager');
          this.command(task.stream, this.event('TaskReassigned', { taskId, assigneeId: action.assigneeId, previousAssigneeId: task.assigneeId }, at, metadata));
          task.assigneeId = action.assigneeId;
        }
        break;
      case 'cancel':
        this.command(task.stream, this.event('TaskCancelled', { taskId, reason: action.reason }, at, this.metadata(task.assigneeId, 'rep')));
        break;
      default: {
        const unreachable: never = action;
        return unreachable;
      }
    }
    task.index++;
    if (task.index >= task.plan.length) return false;
    task.next = task.plan[task.index].at;
    return true;
  }
}

/**
 * Yields one tenant's history, command by command, in the order a store would have recorded it:
 * each stream's events in revision order, the streams interleaved by time. The same options give
 * the same events, ids included, byte for byte.
 */
export function* generateCrmHistory(options: CrmHistoryOptions): Generator<GeneratedEvent> {
  const settings = resolve(options);
  if (settings.events === 0) return;
  const simulation = new HistorySimulation(settings, options.seed);
  let produced = 0;
  for (const batch of simulation.run()) {
    yield* batch;
    produced += batch.length;
    if (settings.stopAt === 'events' && produced >= settings.events) return;
  }
}

export const generateCrmHistoryArray = (options: CrmHistoryOptions): GeneratedEvent[] => Array.from(generateCrmHistory(options));

/**
 * Appends a generated history as concurrent writers would: each of `writers` owns a share of the
 * streams (by a hash of the stream id) and appends its events in generated order, one stream's run
 * of consecutive events per call, so streams interleave as they do in production. Resolves to the
 * highest position appended.
 */
export const appendConcurrently = async (
  store: { appendToStream: (streamId: string, events: CrmNewEvent[]) => Promise<{ position: number }> },
  history: readonly GeneratedEvent[],
  writers: number,
): Promise<number> => {
  const shares: GeneratedEvent[][][] = Array.from({ length: writers }, () => []);
  const writerOf = (id: string) => [...id].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) >>> 0, 7) % writers;
  for (const entry of history) {
    const runs = shares[writerOf(entry.streamId)];
    const last = runs[runs.length - 1];
    if (last && last[0].streamId === entry.streamId) last.push(entry);
    else runs.push([entry]);
  }
  let position = 0;
  await Promise.all(
    shares.map(async (runs) => {
      for (const run of runs) {
        const result = await store.appendToStream(run[0].streamId, run.map((entry) => entry.event));
        position = Math.max(position, result.position);
      }
    }),
  );
  return position;
};
