import { LeadEvent, LeadProfile, LeadStatus } from '@crm/contracts';
import { CommandRejected, deciderSpec } from '@crm/event-sourcing';
import { LeadCommand, LeadScorer, leadDecider } from './lead.decider';

const spec = deciderSpec(leadDecider);
const leadId = 'l-1';
const at = '2026-04-01T09:00:00.000Z';
const profile: LeadProfile = { name: 'Ada Lovelace', email: 'ada@example.com', company: 'Analytical Engines', region: 'EMEA' };
// A scorer whose result is easy to predict: 10 points per engagement count, 5 for a company size.
const scorer: LeadScorer = ({ profile: p, engagements }) => {
  const points = engagements.reduce((sum, e) => sum + 10 * e.count, 0) + (p.companySize ? 5 : 0);
  return { score: points, contributions: { engagement: points } };
};

const captured: LeadEvent = { type: 'LeadCaptured', occurredAt: at, data: { leadId, ...profile, source: 'web' } };
const scoredZero: LeadEvent = { type: 'LeadScored', data: { leadId, score: 0, contributions: { engagement: 0 } } };
const assigned: LeadEvent[] = [
  { type: 'LeadAssigned', data: { leadId, ownerId: 'rep-1', routedBy: 'manual' } },
  { type: 'LeadStatusChanged', data: { leadId, from: 'new', to: 'working' } },
];
const history: Record<LeadStatus, LeadEvent[]> = {
  new: [captured, scoredZero],
  working: [captured, scoredZero, ...assigned],
  qualified: [captured, scoredZero, ...assigned, { type: 'LeadQualified', data: { leadId } }],
  converted: [
    captured,
    scoredZero,
    ...assigned,
    { type: 'LeadQualified', data: { leadId } },
    {
      type: 'LeadConverted',
      data: { leadId, opportunityId: 'o-1', opportunityName: 'x', accountName: 'x', amount: { amountMinor: 1, currency: 'EUR' }, productType: 'p', expectedCloseDate: '2026-06-30', source: 'web' },
    },
  ],
  disqualified: [captured, scoredZero, { type: 'LeadDisqualified', data: { leadId, reason: 'no budget' } }],
};

const convert: LeadCommand = { type: 'ConvertLead', opportunityId: 'o-9', amount: { amountMinor: 500_000, currency: 'EUR' }, productType: 'platform', expectedCloseDate: '2026-09-30' };

const rejects = (status: LeadStatus, command: LeadCommand) =>
  spec
    .given(history[status])
    .when(command)
    .thenThrows(CommandRejected, (error) => {
      expect(error.kind).toBe('conflict');
      expect(error.code).toBe('illegal-transition');
      expect(error.details).toEqual({ currentStatus: status });
    });

describe('lead decider', () => {
  describe('capture', () => {
    it('captures a new lead and scores it', () => {
      spec
        .given([])
        .when({ type: 'CaptureLead', leadId, profile: { ...profile, companySize: 40 }, source: 'web', occurredAt: at, scorer })
        .then([
          { type: 'LeadCaptured', occurredAt: at, data: { leadId, ...profile, companySize: 40, source: 'web' } },
          { type: 'LeadScored', occurredAt: at, data: { leadId, score: 5, contributions: { engagement: 5 } } },
        ]);
    });

    it('records an owner and a possible duplicate when given', () => {
      spec
        .given([])
        .when({ type: 'CaptureLead', leadId, profile, source: 'event', ownerId: 'rep-2', possibleDuplicateOf: 'l-0', occurredAt: at, scorer })
        .then([
          { type: 'LeadCaptured', occurredAt: at, data: { leadId, ...profile, source: 'event', ownerId: 'rep-2', possibleDuplicateOf: 'l-0' } },
          { type: 'LeadScored', occurredAt: at, data: { leadId, score: 0, contributions: { engagement: 0 } } },
        ]);
    });

    it('refuses to capture the same lead twice', () => {
      spec
        .given(history.new)
        .when({ type: 'CaptureLead', leadId, profile, source: 'web', occurredAt: at, scorer })
        .thenThrows(CommandRejected, (error) => expect(error.code).toBe('lead-exists'));
    });

    it('reports commands on a missing lead as not found', () => {
      spec.given([]).when({ type: 'QualifyLead' }).thenThrows(CommandRejected, (error) => expect(error.kind).toBe('not_found'));
    });
  });

  describe('update', () => {
    it('records only real changes and rescores', () => {
      spec
        .given(history.working)
        .when({ type: 'UpdateLead', changes: { company: 'Analytical Engines', companySize: 120, title: 'CTO' }, occurredAt: at, scorer })
        .then([
          { type: 'LeadUpdated', data: { leadId, changes: { companySize: 120, title: 'CTO' } } },
          { type: 'LeadScored', data: { leadId, score: 5, contributions: { engagement: 5 } } },
        ]);
    });

    it('appends nothing when nothing changes', () => {
      spec.given(history.working).when({ type: 'UpdateLead', changes: { name: 'Ada Lovelace' }, occurredAt: at, scorer }).thenNothing();
    });
  });

  describe('engagements', () => {
    it('records an engagement and raises the score', () => {
      spec
        .given(history.new)
        .when({ type: 'RecordEngagement', engagementType: 'form_submit', count: 2, occurredAt: at, scorer })
        .then([
          { type: 'LeadEngagementRecorded', occurredAt: at, data: { leadId, engagementType: 'form_submit', count: 2 } },
          { type: 'LeadScored', data: { leadId, score: 20, contributions: { engagement: 20 } } },
        ]);
    });

    it('rescores only when the score moved', () => {
      spec.given(history.new).when({ type: 'RescoreLead', asOf: at, scorer }).thenNothing();
      spec.given(history.converted).when({ type: 'RescoreLead', asOf: at, scorer: () => ({ score: 99, contributions: {} }) }).thenNothing();
    });
  });

  describe('assignment and status', () => {
    it('assigns a new lead and moves it to working', () => {
      spec.given(history.new).when({ type: 'AssignLead', ownerId: 'rep-1', routedBy: 'manual' }).then(assigned);
    });

    it('reassigns a working lead, naming the previous owner', () => {
      spec
        .given(history.working)
        .when({ type: 'AssignLead', ownerId: 'rep-2', routedBy: 'rules' })
        .then([{ type: 'LeadAssigned', data: { leadId, ownerId: 'rep-2', routedBy: 'rules', previousOwnerId: 'rep-1' } }]);
    });

    it('appends nothing when assigning the current owner', () => {
      spec.given(history.working).when({ type: 'AssignLead', ownerId: 'rep-1', routedBy: 'manual' }).thenNothing();
    });

    it('moves a new lead to working on its first activity, and only then', () => {
      spec.given(history.new).when({ type: 'MarkLeadWorking' }).then([{ type: 'LeadStatusChanged', data: { leadId, from: 'new', to: 'working' } }]);
      spec.given(history.working).when({ type: 'MarkLeadWorking' }).thenNothing();
    });

    it('qualifies a working lead', () => {
      spec.given(history.working).when({ type: 'QualifyLead' }).then([{ type: 'LeadQualified', data: { leadId } }]);
    });

    it.each(['new', 'qualified', 'converted', 'disqualified'] as const)('refuses to qualify a %s lead', (status) => rejects(status, { type: 'QualifyLead' }));

    it.each(['new', 'working', 'qualified'] as const)('disqualifies a %s lead with its reason', (status) => {
      spec.given(history[status]).when({ type: 'DisqualifyLead', reason: 'no budget' }).then([{ type: 'LeadDisqualified', data: { leadId, reason: 'no budget' } }]);
    });

    it.each(['converted', 'disqualified'] as const)('refuses to disqualify a %s lead', (status) => rejects(status, { type: 'DisqualifyLead', reason: 'x' }));

    it('reopens a disqualified lead', () => {
      spec.given(history.disqualified).when({ type: 'ReopenLead' }).then([{ type: 'LeadReopened', data: { leadId } }]);
    });

    it.each(['new', 'working', 'qualified', 'converted'] as const)('refuses to reopen a %s lead', (status) => rejects(status, { type: 'ReopenLead' }));

    it.each(['converted', 'disqualified'] as const)('refuses to assign a %s lead', (status) => rejects(status, { type: 'AssignLead', ownerId: 'rep-9', routedBy: 'manual' }));
  });

  describe('conversion', () => {
    it('converts a qualified lead with everything the opportunity needs', () => {
      spec
        .given(history.qualified)
        .when(convert)
        .then([
          {
            type: 'LeadConverted',
            data: {
              leadId,
              opportunityId: 'o-9',
              opportunityName: 'Analytical Engines - platform',
              accountName: 'Analytical Engines',
              amount: { amountMinor: 500_000, currency: 'EUR' },
              productType: 'platform',
              expectedCloseDate: '2026-09-30',
              source: 'web',
              ownerId: 'rep-1',
              region: 'EMEA',
            },
          },
        ]);
    });

    it.each(['new', 'working', 'converted', 'disqualified'] as const)('refuses to convert a %s lead', (status) => rejects(status, convert));
  });

  describe('merge', () => {
    const duplicate = leadDecider.initialState();
    const duplicateState = [
      { type: 'LeadCaptured', data: { leadId: 'l-2', name: 'A. Lovelace', phone: '+441234567890', title: 'Countess', source: 'event' } },
    ].reduce((state, event) => leadDecider.evolve(state, event as LeadEvent), duplicate);

    it('merges a duplicate, filling gaps from it', () => {
      spec
        .given(history.working)
        .when({ type: 'MergeLead', duplicateId: 'l-2', duplicate: duplicateState })
        .then([
          { type: 'LeadMerged', data: { leadId, duplicateId: 'l-2' } },
          { type: 'LeadUpdated', data: { leadId, changes: { phone: '+441234567890', title: 'Countess' } } },
        ]);
    });

    it('refuses a merge into itself, a missing duplicate, and commands on a merged-away lead', () => {
      spec.given(history.working).when({ type: 'MergeLead', duplicateId: leadId, duplicate: duplicateState }).thenThrows(CommandRejected, (e) => expect(e.code).toBe('merge-into-itself'));
      spec.given(history.working).when({ type: 'MergeLead', duplicateId: 'l-3', duplicate: { exists: false } }).thenThrows(CommandRejected, (e) => expect(e.kind).toBe('not_found'));
      spec
        .given([...history.working, { type: 'LeadMergedInto', data: { leadId, survivorId: 'l-0' } }])
        .when({ type: 'QualifyLead' })
        .thenThrows(CommandRejected, (e) => expect(e.details).toEqual({ mergedInto: 'l-0' }));
    });

    it('marks the duplicate as merged into the survivor, but never a converted lead', () => {
      spec.given(history.new).when({ type: 'MarkLeadMergedInto', survivorId: 'l-0' }).then([{ type: 'LeadMergedInto', data: { leadId, survivorId: 'l-0' } }]);
      rejects('converted', { type: 'MarkLeadMergedInto', survivorId: 'l-0' });
    });
  });
});

describe('lead decider, erasure (GDPR)', () => {
  const erased: LeadEvent = { type: 'LeadErased', data: { leadId } };
  const fold = (events: LeadEvent[]) => events.reduce(leadDecider.evolve, leadDecider.initialState());

  it('erases a lead in any status, merged away or converted included', () => {
    for (const status of ['new', 'working', 'qualified', 'converted', 'disqualified'] as const) {
      spec.given(history[status]).when({ type: 'EraseLead' }).then([erased]);
    }
    spec.given([...history.working, { type: 'LeadMergedInto', data: { leadId, survivorId: 'l-0' } }]).when({ type: 'EraseLead' }).then([erased]);
  });

  it('appends nothing when erased already, and reports a missing lead as not found', () => {
    spec.given([...history.working, erased]).when({ type: 'EraseLead' }).thenNothing();
    spec.given([]).when({ type: 'EraseLead' }).thenThrows(CommandRejected, (error) => expect(error.kind).toBe('not_found'));
  });

  it('drops the personal fields and the free-text reason from the state, keeping every other fact', () => {
    const state = fold([...history.disqualified, erased]);
    expect(state).toMatchObject({ exists: true, status: 'disqualified', source: 'web', erased: true, score: { score: 0 } });
    if (!state.exists) throw new Error('no lead');
    expect(state.profile).toEqual({ company: 'Analytical Engines', region: 'EMEA' });
    expect(state.disqualificationReason).toBeUndefined();
  });

  it('treats shredded values (null once the key is gone) as absent', () => {
    const state = fold([
      { type: 'LeadCaptured', data: { leadId, name: null, email: null, company: 'Analytical Engines', source: 'web' } } as unknown as LeadEvent,
      { type: 'LeadDisqualified', data: { leadId, reason: null } } as unknown as LeadEvent,
    ]);
    if (!state.exists) throw new Error('no lead');
    expect(state.profile).toEqual({ company: 'Analytical Engines' });
    expect(state.disqualificationReason).toBeUndefined();
  });

  it('refuses to set personal fields again, but still takes other changes and commands', () => {
    spec
      .given([...history.working, erased])
      .when({ type: 'UpdateLead', changes: { email: 'ada@example.com' }, occurredAt: at, scorer })
      .thenThrows(CommandRejected, (error) => expect(error.code).toBe('lead-erased'));
    spec
      .given([...history.working, erased])
      .when({ type: 'UpdateLead', changes: { companySize: 120 }, occurredAt: at, scorer })
      .then([
        { type: 'LeadUpdated', data: { leadId, changes: { companySize: 120 } } },
        { type: 'LeadScored', data: { leadId, score: 5, contributions: { engagement: 5 } } },
      ]);
    spec.given([...history.working, erased]).when({ type: 'QualifyLead' }).then([{ type: 'LeadQualified', data: { leadId } }]);
  });

  it('refuses a merge into an erased lead', () => {
    spec
      .given([...history.working, erased])
      .when({ type: 'MergeLead', duplicateId: 'l-2', duplicate: fold([{ type: 'LeadCaptured', data: { leadId: 'l-2', name: 'A. L.', phone: '+441234567890', source: 'web' } }]) })
      .thenThrows(CommandRejected, (error) => expect(error.code).toBe('lead-erased'));
  });

  it('keeps a reason given after the erasure out of the state', () => {
    const state = fold([...history.working, erased, { type: 'LeadDisqualified', data: { leadId, reason: 'asked not to be contacted' } }]);
    expect(state).toMatchObject({ status: 'disqualified', erased: true });
    expect(state.exists && state.disqualificationReason).toBeUndefined();
  });

  it('names the account of a converted lead after its company, never after the person', () => {
    const id = '3f1c2a9e-0000-4000-8000-000000000001';
    spec
      .given([
        { type: 'LeadCaptured', data: { leadId: id, name: 'Ada Lovelace', email: 'ada@example.com', source: 'web' } },
        { type: 'LeadStatusChanged', data: { leadId: id, from: 'new', to: 'working' } },
        { type: 'LeadQualified', data: { leadId: id } },
      ])
      .when(convert)
      .then([
        {
          type: 'LeadConverted',
          data: {
            leadId: id,
            opportunityId: 'o-9',
            opportunityName: 'Lead 3f1c2a9e - platform',
            accountName: 'Lead 3f1c2a9e',
            amount: { amountMinor: 500_000, currency: 'EUR' },
            productType: 'platform',
            expectedCloseDate: '2026-09-30',
            source: 'web',
          },
        },
      ]);
  });
});

describe('lead decider, stored shapes', () => {
  it('sees no change in attributes that come back from storage with their keys reordered', () => {
    const stored: LeadEvent = { type: 'LeadCaptured', data: { leadId, name: 'x', email: 'x@example.com', source: 'web', attributes: { seats: 40, plan: 'team' } } };
    deciderSpec(leadDecider)
      .given([stored])
      .when({ type: 'UpdateLead', changes: { attributes: { plan: 'team', seats: 40 } }, occurredAt: at, scorer })
      .thenNothing();
  });
});
