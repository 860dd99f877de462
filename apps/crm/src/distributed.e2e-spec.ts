import { createDistributedStack, describeWithInfra, serviceNames } from '@crm/testing';

// The distributed mode as deployed: each service its own process and database, cooperating only
// through Kafka (real broker), with the relay publishing each service's own events.

describeWithInfra(['postgres', 'kafka'], 'distributed mode over Kafka', () => {
  const stack = createDistributedStack();
  const startService = stack.start;
  const call = stack.call;

  afterAll(async () => {
    const codes = await stack.stop();
    expect(codes.every((code) => code === 0)).toBe(true);
  }, 60_000);

  const eventually = async <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  it('four services over Kafka: lead → conversion → deal → stage changes → won, with rule tasks, reflected in analytics', async () => {
    const [leads, opportunities, tasks, analytics] = await Promise.all(serviceNames.map((name) => startService(name)));

    // Ready means the database, the store and the Kafka cluster answer, and the consumers have joined
    // their groups; HTTP serves before that (a restart after a crash waits out the dead member's session).
    const ready = await eventually(async () => {
      const response = await fetch(`${analytics.url}/health/ready`);
      return response.status === 200 ? response : undefined;
    }, 'analytics to be ready');
    expect(((await ready.json()) as { details: Record<string, { status: string }> }).details).toMatchObject({
      database: { status: 'up' },
      eventStore: { status: 'up' },
      kafka: { status: 'up' },
      consumerGroups: { status: 'up' },
    });

    // The team directory lives in the tasks service; leads and analytics learn it from its events.
    const member = await call(tasks, 'PUT', '/team/members/rep-3', { name: 'Rep Three', email: 'rep3@example.com', role: 'rep', managerId: 'mgr-1', teamId: 'team-k', region: 'EMEA', productLines: ['analytics'], active: true });
    expect(member.status).toBe(201);
    const captured = await call(leads, 'POST', '/leads', { name: 'Kafka Lovelace', email: 'kafka@example.com', company: 'Streams Ltd', source: 'partner' });
    expect(captured.status).toBe(201);
    const leadId = captured.body.id as string;
    expect((await call(leads, 'POST', `/leads/${leadId}/assign`, { ownerId: 'rep-3' })).status).toBe(200);
    // The tasks service's lead-assigned rule creates the first-contact task from LeadAssigned.
    const firstContact = await eventually(async () => {
      const list = await call(tasks, 'GET', `/tasks?related=lead:${leadId}`);
      return (list.body.items as Array<{ title: string; assigneeId: string }> | undefined)?.find((task) => task.title === 'First contact');
    }, 'the first-contact task');
    expect(firstContact.assigneeId).toBe('rep-3');

    expect((await call(leads, 'POST', `/leads/${leadId}/qualify`)).status).toBe(200);
    const converted = await call(leads, 'POST', `/leads/${leadId}/convert`, { amount: '12000.00', currency: 'EUR', productType: 'analytics', expectedCloseDate: '2027-01-31' });
    expect(converted.status).toBe(201);
    const opportunityId = converted.body.opportunityId as string;
    const deal = await eventually(async () => {
      const response = await call(opportunities, 'GET', `/opportunities/${opportunityId}`);
      return response.status === 200 ? response.body : undefined;
    }, 'the opportunity');
    expect(deal).toMatchObject({ id: opportunityId, accountName: 'Streams Ltd', ownerId: 'rep-3', amount: '12000.00', currency: 'EUR', status: 'open' });
    // The leads service knows nothing of deals: it has no such route, and the services share no tables.
    expect((await call(leads, 'GET', `/opportunities/${opportunityId}`)).status).toBe(404);

    expect((await call(opportunities, 'POST', `/opportunities/${opportunityId}/stage`, { stage: 'Proposal' })).status).toBe(200);
    // Entering Proposal runs that stage's playbook in the tasks service.
    await eventually(async () => {
      const list = await call(tasks, 'GET', `/tasks?related=opportunity:${opportunityId}`);
      return (list.body.items as unknown[] | undefined)?.length ? true : undefined;
    }, 'the Proposal playbook tasks');
    expect((await call(opportunities, 'POST', `/opportunities/${opportunityId}/stage`, { stage: 'Negotiation' })).status).toBe(200);
    expect((await call(opportunities, 'POST', `/opportunities/${opportunityId}/win`, { amount: '15000.00', currency: 'EUR' })).status).toBe(200);

    const today = new Date().toISOString().slice(0, 10);
    const team = await eventually(async () => {
      const response = await call(analytics, 'GET', `/analytics/kpis?from=${today}&to=${today}&groupBy=team`);
      const groups = response.body.groups as Array<{ key: string | null; won: number; leads: number; byCurrency: Array<{ currency: string; wonRevenue: string }> }>;
      return groups.find((group) => group.key === 'team-k' && group.won === 1);
    }, 'analytics to see the win');
    expect(team).toMatchObject({ leads: 1, won: 1, byCurrency: [expect.objectContaining({ currency: 'EUR', wonRevenue: '15000.00' })] });
    const audit = await eventually(async () => {
      const response = await call(analytics, 'GET', `/audit?stream=opportunity-${opportunityId}`);
      const items = response.body.items as Array<{ type: string }>;
      return items.length === 4 ? items : undefined;
    }, 'the deal in the audit trail');
    expect(audit.map((item) => item.type)).toEqual(['OpportunityOpened', 'OpportunityStageChanged', 'OpportunityStageChanged', 'OpportunityWon']);
    // Analytics' own command, read back by its position.
    const target = await call(analytics, 'PUT', '/analytics/targets', { teamId: 'team-k', period: today.slice(0, 7), amount: '30000.00', currency: 'EUR' });
    expect(target.status).toBe(200);
    const targets = await call(analytics, 'GET', `/analytics/targets?period=${today.slice(0, 7)}&minPosition=${target.body.position as number}`);
    expect(targets.body.targets).toEqual([expect.objectContaining({ scope: 'team', scopeId: 'team-k', achieved: '15000.00', attainmentPercent: 50 })]);
  }, 180_000);
});
