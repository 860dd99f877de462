import { eventCatalogue, isCrmEventType } from './catalogue';
import { categoryOf, idOf, streamId } from './streams';
import { deadLetterTopic, topicForCategory, topics } from './topics';

describe('event catalogue', () => {
  it('names every event type in past-tense PascalCase with a positive integer version', () => {
    for (const [type, entry] of Object.entries(eventCatalogue)) {
      expect(type).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(Number.isInteger(entry.version) && entry.version >= 1).toBe(true);
      expect(Object.values(topics)).toContain(entry.topic);
    }
  });

  it('recognises only catalogued types', () => {
    expect(isCrmEventType('LeadCaptured')).toBe(true);
    expect(isCrmEventType('toString')).toBe(false);
    expect(isCrmEventType('LeadExploded')).toBe(false);
  });
});

describe('streams and topics', () => {
  it('splits a stream id into category and id', () => {
    const id = streamId('lead', '3f1c2a9e-0000-4000-8000-000000000001');
    expect(id).toBe('lead-3f1c2a9e-0000-4000-8000-000000000001');
    expect(categoryOf(id)).toBe('lead');
    expect(idOf(id)).toBe('3f1c2a9e-0000-4000-8000-000000000001');
  });

  it('routes each category to its service topic and names the dead-letter topic', () => {
    expect(topicForCategory('lead')).toBe('crm.leads.events');
    expect(topicForCategory('opportunity')).toBe('crm.opportunities.events');
    expect(topicForCategory('team')).toBe('crm.tasks.events');
    expect(deadLetterTopic(topics.tasks)).toBe('crm.tasks.events.dlq');
  });
});
