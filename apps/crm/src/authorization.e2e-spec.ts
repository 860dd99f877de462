import { RunningApp, startEmbeddedApp, tokenFor } from '@crm/testing';

/**
 * The authorisation matrix: every route Nest registered × role × record. Record routes are tried on
 * a record owned by R1 ("own": the rep's own, the manager's report's), one owned by R3 (another
 * manager's rep: "other's"), another tenant's, and for leads unassigned ones in EMEA (R1's region)
 * and in APAC (nobody's here). A record the caller may not see answers 404, exactly like another
 * tenant's, and a refused command appends nothing.
 *
 * Directory (tenant acme): manager M with reps R1 (EMEA) and R2 (NA); manager M2 with rep R3 (APAC).
 * Tenant globex has its own R1. Reps have capacity 0 so that lead routing never assigns the
 * unassigned fixtures.
 */

type Role = 'admin' | 'manager' | 'rep' | 'integration';
type Ownership = 'own' | 'others' | 'otherTenant' | 'unassignedEmea' | 'unassignedApac';
type Resource = 'lead' | 'opportunity' | 'task' | 'activity' | 'account' | 'contact';
type Tenant = 'acme' | 'globex';
type Response = { status: number; headers: Headers; body: unknown };
type Fixture = { resource: Resource; ownership: Ownership; tenant: Tenant; ownerId?: string; id: string; duplicateId?: string; leadId?: string; search?: string };
type Call = { path: string; body?: unknown };

/** A route on one record: `ok` when the caller may see it (per role where roles differ), 404 (or `hidden`) when not. */
type RecordRoute = {
  kind: 'record';
  route: string;
  resource: Resource;
  /** Commands change the record: every permitted case gets a fresh one. */
  command: boolean;
  ownerships?: Ownership[];
  prepare?: (fixture: Fixture, admin: Caller) => Promise<void>;
  call: (fixture: Fixture) => Call;
  ok: number | Record<Role, number>;
  hidden?: number;
};
/** A route on no record of its own: the status depends on the role only. */
type RoleRoute = { kind: 'role'; route: string; call: () => Call; status: number | Record<Role, number>; public?: true };
type Caller = (method: string, path: string, body?: unknown) => Promise<Response>;

const roles: Role[] = ['admin', 'manager', 'rep', 'integration'];
const allOwnerships: Ownership[] = ['own', 'others', 'otherTenant', 'unassignedEmea', 'unassignedApac'];
const basicOwnerships: Ownership[] = ['own', 'others', 'otherTenant'];
const subjects: Record<Role, string> = { admin: 'A', manager: 'M', rep: 'R1', integration: 'I' };

/** Who may see a record: the policy the services implement (libs/platform record-access), restated. */
const visible = (role: Role, ownership: Ownership): boolean => {
  if (ownership === 'otherTenant') return false;
  if (role === 'admin' || role === 'integration') return true;
  // M sees R1's and R2's records and the unassigned leads of their regions (EMEA, NA); R1 sees its own and EMEA's.
  return ownership === 'own' || ownership === 'unassignedEmea';
};

const future = '2030-06-30';
const dueAt = '2030-01-01T09:00:00.000Z';
const adminOnly = (ok: number): Record<Role, number> => ({ admin: ok, manager: 403, rep: 403, integration: 403 });
const adminManager = (ok: number): Record<Role, number> => ({ admin: ok, manager: ok, rep: 403, integration: 403 });
const notRep = (ok: number): Record<Role, number> => ({ admin: ok, manager: ok, rep: 403, integration: ok });

let stages: string[] = [];
let pipelineBody: unknown;
let scoringBody: unknown;
let automationBody: unknown;

const table: Array<RecordRoute | RoleRoute> = [
  // Public
  { kind: 'role', route: 'GET /health/live', call: () => ({ path: '/health/live' }), status: 200, public: true },
  { kind: 'role', route: 'GET /health/ready', call: () => ({ path: '/health/ready' }), status: 200, public: true },
  { kind: 'role', route: 'GET /metrics', call: () => ({ path: '/metrics' }), status: 200, public: true },
  { kind: 'role', route: 'GET /asyncapi', call: () => ({ path: '/asyncapi' }), status: 200, public: true },
  { kind: 'role', route: 'GET /dashboard', call: () => ({ path: '/dashboard' }), status: 200, public: true },
  { kind: 'role', route: 'GET /dashboard/app.js', call: () => ({ path: '/dashboard/app.js' }), status: 200, public: true },
  { kind: 'role', route: 'GET /dashboard/chart.js', call: () => ({ path: '/dashboard/chart.js' }), status: 200, public: true },
  { kind: 'role', route: 'GET /audit/verify', call: () => ({ path: '/audit/verify?all=true' }), status: notRep(200) },
  { kind: 'role', route: 'GET /audit', call: () => ({ path: '/audit' }), status: notRep(200) },

  // Leads
  { kind: 'role', route: 'POST /leads', call: () => ({ path: '/leads', body: { name: 'Created', email: `${unique()}@created.example`, source: 'web' } }), status: 201 },
  { kind: 'role', route: 'GET /leads', call: () => ({ path: '/leads' }), status: 200 },
  { kind: 'record', route: 'GET /leads/:id', resource: 'lead', command: false, ownerships: allOwnerships, call: (f) => ({ path: `/leads/${f.id}` }), ok: 200 },
  { kind: 'record', route: 'GET /leads/:id/history', resource: 'lead', command: false, ownerships: allOwnerships, call: (f) => ({ path: `/leads/${f.id}/history` }), ok: 200 },
  { kind: 'record', route: 'PATCH /leads/:id', resource: 'lead', command: true, ownerships: allOwnerships, call: (f) => ({ path: `/leads/${f.id}`, body: { company: 'Renamed Ltd' } }), ok: 200 },
  { kind: 'record', route: 'POST /leads/:id/engagements', resource: 'lead', command: true, ownerships: allOwnerships, call: (f) => ({ path: `/leads/${f.id}/engagements`, body: { type: 'email_click' } }), ok: 200 },
  { kind: 'record', route: 'POST /leads/:id/assign', resource: 'lead', command: true, ownerships: allOwnerships, call: (f) => ({ path: `/leads/${f.id}/assign`, body: { ownerId: 'R2' } }), ok: 200 },
  {
    kind: 'record',
    route: 'POST /leads/:id/qualify',
    resource: 'lead',
    command: true,
    call: (f) => ({ path: `/leads/${f.id}/qualify` }),
    ok: 200,
  },
  { kind: 'record', route: 'POST /leads/:id/disqualify', resource: 'lead', command: true, ownerships: allOwnerships, call: (f) => ({ path: `/leads/${f.id}/disqualify`, body: { reason: 'no budget' } }), ok: 200 },
  {
    kind: 'record',
    route: 'POST /leads/:id/reopen',
    resource: 'lead',
    command: true,
    prepare: async (f, admin) => expectStatus(await admin('POST', `/leads/${f.id}/disqualify`, { reason: 'no budget' }), 200),
    call: (f) => ({ path: `/leads/${f.id}/reopen` }),
    ok: 200,
  },
  {
    kind: 'record',
    route: 'POST /leads/:id/convert',
    resource: 'lead',
    command: true,
    prepare: async (f, admin) => expectStatus(await admin('POST', `/leads/${f.id}/qualify`), 200),
    call: (f) => ({ path: `/leads/${f.id}/convert`, body: { amount: '1000.00', currency: 'EUR', productType: 'platform', expectedCloseDate: future } }),
    ok: 201,
  },
  { kind: 'record', route: 'POST /leads/:id/merge', resource: 'lead', command: true, call: (f) => ({ path: `/leads/${f.id}/merge`, body: { duplicateId: f.duplicateId } }), ok: 200 },
  { kind: 'record', route: 'POST /leads/:id/erase', resource: 'lead', command: true, call: (f) => ({ path: `/leads/${f.id}/erase` }), ok: adminOnly(200) },
  { kind: 'role', route: 'GET /scoring/rules', call: () => ({ path: '/scoring/rules' }), status: 200 },
  { kind: 'role', route: 'PUT /scoring/rules', call: () => ({ path: '/scoring/rules', body: scoringBody }), status: adminManager(200) },
  // Too few closed leads to fit a model: 422 for the roles that may train.
  { kind: 'role', route: 'POST /scoring/model/train', call: () => ({ path: '/scoring/model/train', body: {} }), status: adminManager(422) },
  { kind: 'role', route: 'GET /scoring/model', call: () => ({ path: '/scoring/model' }), status: 200 },

  // Accounts and contacts (owner: ownerId)
  { kind: 'role', route: 'POST /accounts', call: () => ({ path: '/accounts', body: { name: `Created ${unique()}` } }), status: 201 },
  { kind: 'role', route: 'GET /accounts', call: () => ({ path: '/accounts' }), status: 200 },
  { kind: 'record', route: 'GET /accounts/:id', resource: 'account', command: false, call: (f) => ({ path: `/accounts/${f.id}` }), ok: 200 },
  { kind: 'record', route: 'GET /accounts/:id/history', resource: 'account', command: false, call: (f) => ({ path: `/accounts/${f.id}/history` }), ok: 200 },
  { kind: 'record', route: 'GET /accounts/:id/timeline', resource: 'account', command: false, call: (f) => ({ path: `/accounts/${f.id}/timeline` }), ok: 200 },
  { kind: 'record', route: 'GET /accounts/:id/summary', resource: 'account', command: false, call: (f) => ({ path: `/accounts/${f.id}/summary` }), ok: 200 },
  { kind: 'record', route: 'PATCH /accounts/:id', resource: 'account', command: true, call: (f) => ({ path: `/accounts/${f.id}`, body: { industry: 'Retail' } }), ok: 200 },
  { kind: 'record', route: 'POST /accounts/:id/merge', resource: 'account', command: true, call: (f) => ({ path: `/accounts/${f.id}/merge`, body: { duplicateId: f.duplicateId } }), ok: 200 },
  { kind: 'role', route: 'POST /contacts', call: () => ({ path: '/contacts', body: { name: 'Created', email: `${unique()}@contact.example` } }), status: 201 },
  { kind: 'role', route: 'GET /contacts', call: () => ({ path: '/contacts' }), status: 200 },
  { kind: 'record', route: 'GET /contacts/:id', resource: 'contact', command: false, call: (f) => ({ path: `/contacts/${f.id}` }), ok: 200 },
  { kind: 'record', route: 'PATCH /contacts/:id', resource: 'contact', command: true, call: (f) => ({ path: `/contacts/${f.id}`, body: { title: 'CEO' } }), ok: 200 },
  { kind: 'record', route: 'POST /contacts/:id/merge', resource: 'contact', command: true, call: (f) => ({ path: `/contacts/${f.id}/merge`, body: { duplicateId: f.duplicateId } }), ok: 200 },
  { kind: 'record', route: 'POST /contacts/:id/erase', resource: 'contact', command: true, call: (f) => ({ path: `/contacts/${f.id}/erase` }), ok: adminOnly(200) },

  // Opportunities
  {
    kind: 'role',
    route: 'POST /opportunities',
    call: () => ({ path: '/opportunities', body: { name: 'Created', accountName: 'Created', amount: '10.00', productType: 'platform', ownerId: 'R1', expectedCloseDate: future } }),
    status: 201,
  },
  { kind: 'role', route: 'GET /opportunities', call: () => ({ path: '/opportunities' }), status: 200 },
  { kind: 'record', route: 'GET /opportunities/:id', resource: 'opportunity', command: false, call: (f) => ({ path: `/opportunities/${f.id}` }), ok: 200 },
  { kind: 'record', route: 'GET /opportunities/:id/history', resource: 'opportunity', command: false, call: (f) => ({ path: `/opportunities/${f.id}/history` }), ok: 200 },
  { kind: 'record', route: 'POST /opportunities/:id/stage', resource: 'opportunity', command: true, call: (f) => ({ path: `/opportunities/${f.id}/stage`, body: { stage: stages[1] } }), ok: 200 },
  { kind: 'record', route: 'PATCH /opportunities/:id', resource: 'opportunity', command: true, call: (f) => ({ path: `/opportunities/${f.id}`, body: { name: 'Renamed deal' } }), ok: 200 },
  { kind: 'record', route: 'POST /opportunities/:id/win', resource: 'opportunity', command: true, call: (f) => ({ path: `/opportunities/${f.id}/win`, body: {} }), ok: 200 },
  { kind: 'record', route: 'POST /opportunities/:id/lose', resource: 'opportunity', command: true, call: (f) => ({ path: `/opportunities/${f.id}/lose`, body: { reason: 'price' } }), ok: 200 },
  {
    kind: 'record',
    route: 'POST /opportunities/:id/reopen',
    resource: 'opportunity',
    command: true,
    prepare: async (f, admin) => expectStatus(await admin('POST', `/opportunities/${f.id}/lose`, { reason: 'price' }), 200),
    call: (f) => ({ path: `/opportunities/${f.id}/reopen` }),
    ok: 200,
  },
  { kind: 'role', route: 'GET /pipeline/stages', call: () => ({ path: '/pipeline/stages' }), status: 200 },
  { kind: 'role', route: 'PUT /pipeline/stages', call: () => ({ path: '/pipeline/stages', body: pipelineBody }), status: adminManager(200) },

  // Tasks, activities, timeline (a task is its assignee's; an activity and a timeline its related record's owner's)
  {
    kind: 'record',
    route: 'POST /tasks',
    resource: 'lead',
    command: false,
    ownerships: allOwnerships,
    call: (f) => ({ path: '/tasks', body: { title: 'Follow up', type: 'call', priority: 'normal', related: { type: 'lead', id: f.id }, dueAt, assigneeId: 'R1' } }),
    ok: 201,
    // A related record the caller may not see is refused as a missing one is.
    hidden: 422,
  },
  { kind: 'role', route: 'GET /tasks', call: () => ({ path: '/tasks' }), status: 200 },
  { kind: 'record', route: 'GET /tasks/:id', resource: 'task', command: false, call: (f) => ({ path: `/tasks/${f.id}` }), ok: 200 },
  { kind: 'record', route: 'GET /tasks/:id/history', resource: 'task', command: false, call: (f) => ({ path: `/tasks/${f.id}/history` }), ok: 200 },
  { kind: 'record', route: 'POST /tasks/:id/complete', resource: 'task', command: true, call: (f) => ({ path: `/tasks/${f.id}/complete`, body: {} }), ok: 200 },
  { kind: 'record', route: 'POST /tasks/:id/reassign', resource: 'task', command: true, call: (f) => ({ path: `/tasks/${f.id}/reassign`, body: { assigneeId: 'R2' } }), ok: 200 },
  { kind: 'record', route: 'POST /tasks/:id/cancel', resource: 'task', command: true, call: (f) => ({ path: `/tasks/${f.id}/cancel`, body: { reason: 'not needed' } }), ok: 200 },
  { kind: 'record', route: 'PATCH /tasks/:id', resource: 'task', command: true, call: (f) => ({ path: `/tasks/${f.id}`, body: { priority: 'low' } }), ok: 200 },
  {
    kind: 'record',
    route: 'POST /activities',
    resource: 'lead',
    command: false,
    ownerships: allOwnerships,
    call: (f) => ({ path: '/activities', body: { type: 'call', direction: 'outbound', related: { type: 'lead', id: f.id }, summary: 'Talked', occurredAt: '2026-01-05T10:00:00Z' } }),
    ok: 201,
    hidden: 422,
  },
  { kind: 'role', route: 'GET /activities', call: () => ({ path: '/activities' }), status: 200 },
  { kind: 'record', route: 'GET /activities/:id', resource: 'activity', command: false, call: (f) => ({ path: `/activities/${f.id}` }), ok: 200 },
  { kind: 'record', route: 'GET /timeline', resource: 'lead', command: false, ownerships: allOwnerships, call: (f) => ({ path: `/timeline?related=lead:${f.id}` }), ok: 200 },

  // Team directory and automation (settings: by role)
  {
    kind: 'role',
    route: 'PUT /team/members/:id',
    call: () => ({ path: `/team/members/X-${unique()}`, body: { name: 'New Hire', email: `${unique()}@team.example`, role: 'rep', managerId: 'M', region: 'EMEA', productLines: [], capacity: 0, active: true } }),
    status: notRep(201),
  },
  { kind: 'role', route: 'GET /team/members', call: () => ({ path: '/team/members' }), status: 200 },
  { kind: 'role', route: 'GET /team/members/:id', call: () => ({ path: '/team/members/R1' }), status: 200 },
  { kind: 'role', route: 'GET /automation/rules', call: () => ({ path: '/automation/rules' }), status: 200 },
  { kind: 'role', route: 'PUT /automation/rules', call: () => ({ path: '/automation/rules', body: automationBody }), status: adminManager(200) },

  // Analytics: tenant-wide figures; a rep reads only their own per-owner ones
  { kind: 'role', route: 'GET /analytics/kpis', call: () => ({ path: '/analytics/kpis' }), status: 200 },
  { kind: 'role', route: 'GET /analytics/funnel', call: () => ({ path: '/analytics/funnel' }), status: 200 },
  { kind: 'role', route: 'GET /analytics/reports/products', call: () => ({ path: '/analytics/reports/products' }), status: 200 },
  { kind: 'role', route: 'GET /analytics/reports/owners', call: () => ({ path: '/analytics/reports/owners' }), status: 200 },
  { kind: 'role', route: 'GET /analytics/reports/stage-durations', call: () => ({ path: '/analytics/reports/stage-durations' }), status: 200 },
  { kind: 'role', route: 'PUT /analytics/costs', call: () => ({ path: '/analytics/costs', body: { source: 'web', period: '2026-01', amount: '100.00' } }), status: notRep(200) },
  { kind: 'role', route: 'GET /analytics/costs', call: () => ({ path: '/analytics/costs' }), status: 200 },
  { kind: 'role', route: 'PUT /analytics/targets', call: () => ({ path: '/analytics/targets', body: { ownerId: 'R1', period: '2030-Q1', amount: '1000.00' } }), status: adminManager(200) },
  { kind: 'role', route: 'GET /analytics/targets', call: () => ({ path: '/analytics/targets?period=2030-Q1' }), status: 200 },
  { kind: 'role', route: 'PUT /analytics/activity-ratios', call: () => ({ path: '/analytics/activity-ratios', body: { per: '1000.00', calls: 4 } }), status: adminManager(200) },
  { kind: 'role', route: 'GET /analytics/targets/activity-plan', call: () => ({ path: '/analytics/targets/activity-plan?ownerId=R1&period=2030-Q1' }), status: 200 },
  { kind: 'role', route: 'GET /analytics/focus', call: () => ({ path: '/analytics/focus?ownerId=R1' }), status: 200 },
  { kind: 'role', route: 'GET /analytics/pipeline/as-of', call: () => ({ path: '/analytics/pipeline/as-of?date=2026-01-31' }), status: 200 },
  { kind: 'role', route: 'GET /analytics/stage-probabilities', call: () => ({ path: '/analytics/stage-probabilities' }), status: 200 },
  { kind: 'role', route: 'GET /analytics/forecast/pipeline', call: () => ({ path: '/analytics/forecast/pipeline?period=2030-Q2&draws=100' }), status: 200 },
  // No deal here was won before the current month: nothing to forecast from, for any role alike.
  { kind: 'role', route: 'GET /analytics/forecast/revenue', call: () => ({ path: '/analytics/forecast/revenue' }), status: 422 },
  { kind: 'role', route: 'POST /analytics/forecast/snapshots', call: () => ({ path: '/analytics/forecast/snapshots', body: { period: '2030-Q2' } }), status: notRep(201) },
  { kind: 'role', route: 'GET /analytics/forecast/accuracy', call: () => ({ path: '/analytics/forecast/accuracy' }), status: 200 },
  { kind: 'role', route: 'GET /analytics/pipeline/changes', call: () => ({ path: '/analytics/pipeline/changes' }), status: 200 },
  { kind: 'role', route: 'GET /analytics/rebuild', call: () => ({ path: '/analytics/rebuild' }), status: adminOnly(200) },
  // Last: the admin's call starts a background rebuild of the analytics read models.
  { kind: 'role', route: 'POST /analytics/rebuild', call: () => ({ path: '/analytics/rebuild', body: {} }), status: adminOnly(202) },
];

let counter = 0;
const unique = () => `u${Date.now().toString(36)}${(counter++).toString(36)}`;

const expectStatus = (response: Response, status: number) => {
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
};

const statusFor = (expected: number | Record<Role, number>, role: Role) => (typeof expected === 'number' ? expected : expected[role]);

describe('authorisation matrix (embedded app)', () => {
  let app: RunningApp;
  const callers = new Map<string, Caller>();
  const as = (tenant: Tenant, sub: string, role: Role): Caller => {
    const key = `${tenant}/${sub}/${role}`;
    const existing = callers.get(key);
    if (existing) return existing;
    const token = tokenFor(app, { sub, tenant, roles: [role] });
    const caller: Caller = (method, path, body) => app.request(method, path, body, { authorization: `Bearer ${token}` });
    callers.set(key, caller);
    return caller;
  };
  const admin = (tenant: Tenant) => as(tenant, 'A', 'admin');
  const actor = (role: Role) => as('acme', subjects[role], role);

  const placement: Record<Ownership, { tenant: Tenant; ownerId?: string; region: string; probe: () => Caller }> = {
    own: { tenant: 'acme', ownerId: 'R1', region: 'EMEA', probe: () => as('acme', 'R1', 'rep') },
    others: { tenant: 'acme', ownerId: 'R3', region: 'APAC', probe: () => as('acme', 'R3', 'rep') },
    otherTenant: { tenant: 'globex', ownerId: 'R1', region: 'EMEA', probe: () => as('globex', 'R1', 'rep') },
    unassignedEmea: { tenant: 'acme', region: 'EMEA', probe: () => as('acme', 'R1', 'rep') },
    unassignedApac: { tenant: 'acme', region: 'APAC', probe: () => as('acme', 'R3', 'rep') },
  };

  /** Polls until the record's owner (or a rep of its region) sees it at `path`: every context has taken it in. */
  const untilVisible = async (ownership: Ownership, path: string) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const response = await placement[ownership].probe()('GET', path);
      if (response.status === 200) return;
      if (Date.now() > deadline) throw new Error(`${path} never became visible to the ${ownership} record's owner: ${response.status} ${JSON.stringify(response.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const create = async (resource: Resource, ownership: Ownership): Promise<Fixture> => {
    const { tenant, ownerId, region } = placement[ownership];
    const call = admin(tenant);
    const owner = ownerId ? { ownerId } : {};
    // Captured unassigned, then assigned: an assigned lead is a working one (a qualify can follow).
    const lead = async () => {
      const response = await call('POST', '/leads', { name: 'Matrix Lead', email: `${unique()}@lead.example`, source: 'web', region });
      expectStatus(response, 201);
      const id = (response.body as { id: string }).id;
      if (ownerId) expectStatus(await call('POST', `/leads/${id}/assign`, { ownerId }), 200);
      return id;
    };
    switch (resource) {
      case 'lead': {
        const id = await lead();
        const duplicateId = await lead();
        await untilVisible(ownership, `/timeline?related=lead:${id}`);
        await untilVisible(ownership, `/timeline?related=lead:${duplicateId}`);
        return { resource, ownership, tenant, ownerId, id, duplicateId };
      }
      case 'opportunity': {
        const response = await call('POST', '/opportunities', { name: 'Matrix Deal', accountName: 'Matrix', amount: '500.00', productType: 'matrix', ownerId: ownerId ?? 'R1', expectedCloseDate: future });
        expectStatus(response, 201);
        return { resource, ownership, tenant, id: (response.body as { id: string }).id };
      }
      case 'task': {
        const leadId = await lead();
        const response = await call('POST', '/tasks', { title: 'Matrix task', type: 'call', priority: 'normal', related: { type: 'lead', id: leadId }, dueAt, assigneeId: ownerId ?? 'R1' });
        expectStatus(response, 201);
        return { resource, ownership, tenant, id: (response.body as { id: string }).id, leadId };
      }
      case 'activity': {
        const leadId = await lead();
        await untilVisible(ownership, `/timeline?related=lead:${leadId}`);
        const response = await call('POST', '/activities', { type: 'note', related: { type: 'lead', id: leadId }, summary: 'Matrix note', occurredAt: '2026-01-05T10:00:00Z' });
        expectStatus(response, 201);
        const id = (response.body as { id: string }).id;
        await untilVisible(ownership, `/activities/${id}`);
        return { resource, ownership, tenant, id, leadId };
      }
      case 'account': {
        const make = async () => {
          const name = `Matrix ${unique()}`;
          const response = await call('POST', '/accounts', { name, ...owner });
          expectStatus(response, 201);
          return { id: (response.body as { id: string }).id, name };
        };
        const { id, name } = await make();
        const duplicate = await make();
        await untilVisible(ownership, `/accounts/${id}/summary`);
        return { resource, ownership, tenant, id, duplicateId: duplicate.id, search: name };
      }
      case 'contact': {
        const make = async () => {
          const email = `${unique()}@contact.example`;
          const response = await call('POST', '/contacts', { name: 'Matrix Contact', email, ...owner });
          expectStatus(response, 201);
          return { id: (response.body as { id: string }).id, email };
        };
        const { id, email } = await make();
        return { resource, ownership, tenant, id, duplicateId: (await make()).id, search: email };
      }
      default: {
        const unreachable: never = resource;
        throw new Error(`no fixture for ${String(unreachable)}`);
      }
    }
  };

  /** What a record reads as to its tenant's admin: its revision, to show a refused command changed nothing. */
  const revisionOf = async (fixture: Fixture): Promise<string | null> => {
    const path = { lead: 'leads', opportunity: 'opportunities', task: 'tasks', activity: 'activities', account: 'accounts', contact: 'contacts' }[fixture.resource];
    const response = await admin(fixture.tenant)('GET', `/${path}/${fixture.id}`);
    expectStatus(response, 200);
    return response.headers.get('etag') ?? JSON.stringify(response.body);
  };

  /** How many events each tenant's log holds (the hash-chain check walks them all). */
  const eventCounts = async (): Promise<Record<Tenant, number>> => {
    const count = async (tenant: Tenant) => {
      const response = await admin(tenant)('GET', '/audit/verify?all=true');
      expectStatus(response, 200);
      const report = response.body as { verified: number; unchained: number; intact: boolean };
      expect(report.intact).toBe(true);
      return report.verified + report.unchained;
    };
    return { acme: await count('acme'), globex: await count('globex') };
  };

  const quietCounts = async (): Promise<Record<Tenant, number>> => {
    let previous = await eventCounts();
    for (let stable = 0; stable < 3; ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const current = await eventCounts();
      stable = current.acme === previous.acme && current.globex === previous.globex ? stable + 1 : 0;
      previous = current;
    }
    return previous;
  };

  type Case = { entry: RecordRoute | RoleRoute; role: Role; ownership?: Ownership; fixture?: Fixture; expected: number };
  const cases: Case[] = [];

  beforeAll(async () => {
    app = await startEmbeddedApp({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info' });
    for (const tenant of ['acme', 'globex'] as Tenant[]) {
      const members = [
        { id: 'M', role: 'manager', region: 'NA' },
        { id: 'R1', role: 'rep', managerId: 'M', region: 'EMEA' },
        { id: 'R2', role: 'rep', managerId: 'M', region: 'NA' },
        { id: 'M2', role: 'manager', region: 'APAC' },
        { id: 'R3', role: 'rep', managerId: 'M2', region: 'APAC' },
      ];
      for (const { id, ...member } of members) {
        const response = await admin(tenant)('PUT', `/team/members/${id}`, { name: id, email: `${id.toLowerCase()}@${tenant}.example`, productLines: [], capacity: 0, active: true, ...member });
        expectStatus(response, 201);
      }
    }
    const pipeline = await admin('acme')('GET', '/pipeline/stages');
    pipelineBody = { stages: (pipeline.body as { stages: unknown[] }).stages };
    stages = (pipeline.body as { stages: Array<{ name: string }> }).stages.map((stage) => stage.name);
    const { version: _rulesVersion, ...rules } = (await admin('acme')('GET', '/scoring/rules')).body as Record<string, unknown>;
    scoringBody = rules;
    const { version: _automationVersion, ...automation } = (await admin('acme')('GET', '/automation/rules')).body as Record<string, unknown>;
    automationBody = automation;

    // The manager sees the reports' records once each context holds the directory.
    const managed = await create('opportunity', 'own');
    const managedTask = await create('task', 'own');
    const managedLead = await create('lead', 'own');
    for (const path of [`/opportunities/${managed.id}`, `/tasks/${managedTask.id}`, `/leads/${managedLead.id}`, `/timeline?related=lead:${managedLead.id}`]) {
      const deadline = Date.now() + 20_000;
      while ((await actor('manager')('GET', path)).status !== 200) {
        if (Date.now() > deadline) throw new Error(`the manager never saw ${path}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    // Shared fixtures for reads and refusals; a fresh one for each permitted command.
    const shared = new Map<string, Fixture>();
    const sharedFixture = async (resource: Resource, ownership: Ownership, entry?: RecordRoute) => {
      const key = `${resource}/${ownership}/${entry?.prepare ? entry.route : ''}`;
      if (!shared.has(key)) {
        const fixture = await create(resource, ownership);
        if (entry?.prepare) await entry.prepare(fixture, admin(fixture.tenant));
        shared.set(key, fixture);
      }
      return shared.get(key) as Fixture;
    };
    for (const entry of table) {
      for (const role of roles) {
        if (entry.kind === 'role') {
          cases.push({ entry, role, expected: statusFor(entry.status, role) });
          continue;
        }
        for (const ownership of entry.ownerships ?? basicOwnerships) {
          const expected = visible(role, ownership) ? statusFor(entry.ok, role) : (entry.hidden ?? 404);
          const permitted = expected >= 200 && expected < 300;
          let fixture: Fixture;
          if (entry.command && permitted) {
            fixture = await create(entry.resource, ownership);
            if (entry.prepare) await entry.prepare(fixture, admin(fixture.tenant));
          } else {
            fixture = await sharedFixture(entry.resource, ownership, entry);
          }
          cases.push({ entry, role, ownership, fixture, expected });
        }
      }
    }
  }, 600_000);

  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  it('has an entry for every route Nest registered, and none for a route it did not', () => {
    const registered = new Set([...app.output().matchAll(/Mapped \{([^,}]+), (\w+)\} route/g)].map(([, path, method]) => `${method} ${path}`));
    expect(registered.size).toBeGreaterThan(50);
    const listed = new Set(table.map((entry) => entry.route));
    const missing = [...registered].filter((route) => !listed.has(route)).sort();
    const stale = [...listed].filter((route) => !registered.has(route)).sort();
    if (missing.length > 0) throw new Error(`routes without an entry in the authorisation matrix (add them to the table in authorization.e2e-spec.ts): ${missing.join(', ')}`);
    if (stale.length > 0) throw new Error(`entries in the authorisation matrix for routes the app no longer has: ${stale.join(', ')}`);
    expect(listed.size).toBe(table.length);
  });

  it('answers public routes without a token and refuses every other route without one', async () => {
    const failures: string[] = [];
    for (const entry of table) {
      const method = entry.route.split(' ')[0];
      const call = entry.kind === 'role' ? entry.call() : { path: entry.route.split(' ')[1].replace(':id', '00000000-0000-4000-8000-000000000000'), body: undefined };
      const response = await app.request(method, call.path, call.body, { authorization: '' });
      const expected = entry.kind === 'role' && entry.public ? 200 : 401;
      if (response.status !== expected) failures.push(`${entry.route} without a token: ${response.status}, expected ${expected}`);
    }
    expect(failures).toEqual([]);
  });

  it('refuses what the role or the record forbids, with the expected status, appending nothing', async () => {
    const before = await quietCounts();
    const failures: string[] = [];
    for (const { entry, role, ownership, fixture, expected } of cases) {
      if (expected >= 200 && expected < 300) continue;
      const call = entry.kind === 'role' ? entry.call() : entry.call(fixture as Fixture);
      const revision = fixture && entry.kind === 'record' && entry.command ? await revisionOf(fixture) : undefined;
      const response = await actor(role)(entry.route.split(' ')[0], call.path, call.body);
      const label = `${entry.route} as ${role}${ownership ? ` on ${ownership}` : ''}`;
      if (response.status !== expected) failures.push(`${label}: ${response.status}, expected ${expected} ${JSON.stringify(response.body)}`);
      if (revision !== undefined && (await revisionOf(fixture as Fixture)) !== revision) failures.push(`${label}: the record changed`);
    }
    expect(failures).toEqual([]);
    // Every refusal together appended nothing to either tenant's log.
    expect(await eventCounts()).toEqual(before);
  }, 600_000);

  it('permits what the role and the record allow, with the expected status', async () => {
    const failures: string[] = [];
    for (const { entry, role, ownership, fixture, expected } of cases) {
      if (expected < 200 || expected >= 300) continue;
      const call = entry.kind === 'role' ? entry.call() : entry.call(fixture as Fixture);
      const response = await actor(role)(entry.route.split(' ')[0], call.path, call.body);
      if (response.status !== expected) failures.push(`${entry.route} as ${role}${ownership ? ` on ${ownership}` : ''}: ${response.status}, expected ${expected} ${JSON.stringify(response.body)}`);
    }
    expect(failures).toEqual([]);
  }, 600_000);

  it('filters every list to the records the caller may see', async () => {
    const lists: Array<{ resource: Resource; ownerships: Ownership[]; path: (fixture: Fixture) => string }> = [
      { resource: 'lead', ownerships: allOwnerships, path: () => '/leads?limit=200' },
      { resource: 'opportunity', ownerships: basicOwnerships, path: () => '/opportunities?productType=matrix&limit=200' },
      { resource: 'task', ownerships: basicOwnerships, path: (f) => `/tasks?related=lead:${f.leadId}` },
      { resource: 'activity', ownerships: basicOwnerships, path: (f) => `/activities?related=lead:${f.leadId}` },
      { resource: 'account', ownerships: basicOwnerships, path: (f) => `/accounts?q=${encodeURIComponent(f.search ?? '')}` },
      { resource: 'contact', ownerships: basicOwnerships, path: (f) => `/contacts?q=${encodeURIComponent(f.search ?? '')}` },
    ];
    const failures: string[] = [];
    for (const list of lists) {
      for (const ownership of list.ownerships) {
        const fixture = await create(list.resource, ownership);
        // Each context's list reads its read model: the tenant's admin sees the record first.
        const deadline = Date.now() + 20_000;
        while (!(((await admin(fixture.tenant)('GET', list.path(fixture))).body as { items: Array<{ id: string }> }).items.some((item) => item.id === fixture.id))) {
          if (Date.now() > deadline) throw new Error(`${list.path(fixture)} never listed the ${ownership} ${list.resource}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        for (const role of roles) {
          const response = await actor(role)('GET', list.path(fixture));
          expect(response.status).toBe(200);
          const listed = (response.body as { items: Array<{ id: string }> }).items.some((item) => item.id === fixture.id);
          if (listed !== visible(role, ownership)) failures.push(`GET ${list.path(fixture)} as ${role}: the ${ownership} ${list.resource} is ${listed ? '' : 'not '}listed`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it('refuses an accountId the rep may not see in a contact or a conversion as an unknown account, appending nothing', async () => {
    const others = await create('account', 'others');
    const own = await create('account', 'own');
    const contact = await create('contact', 'own');
    const lead = await create('lead', 'own');
    expectStatus(await admin('acme')('POST', `/leads/${lead.id}/qualify`), 200);
    const leadRevision = await revisionOf(lead);
    const contactRevision = await revisionOf(contact);
    const rep = actor('rep');
    const before = await quietCounts();
    const refusals = [
      await rep('POST', '/contacts', { name: 'Attached Elsewhere', email: `${unique()}@contact.example`, accountId: others.id }),
      await rep('PATCH', `/contacts/${contact.id}`, { accountId: others.id }),
      await rep('POST', `/leads/${lead.id}/convert`, { amount: '1000.00', currency: 'EUR', productType: 'platform', expectedCloseDate: future, accountId: others.id }),
    ];
    for (const refused of refusals) expect([refused.status, (refused.body as { code?: string }).code]).toEqual([422, 'unknown-account']);
    expect(await eventCounts()).toEqual(before);
    expect(await revisionOf(lead)).toBe(leadRevision);
    expect(await revisionOf(contact)).toBe(contactRevision);
    // The same requests naming the rep's own account go through.
    expectStatus(await rep('POST', '/contacts', { name: 'Attached Here', email: `${unique()}@contact.example`, accountId: own.id }), 201);
    expectStatus(await rep('PATCH', `/contacts/${contact.id}`, { accountId: own.id }), 200);
    const converted = await rep('POST', `/leads/${lead.id}/convert`, { amount: '1000.00', currency: 'EUR', productType: 'platform', expectedCloseDate: future, accountId: own.id });
    expectStatus(converted, 201);
    expect((converted.body as { accountId: string }).accountId).toBe(own.id);
  }, 120_000);
});
