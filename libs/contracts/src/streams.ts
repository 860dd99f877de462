export const streamCategories = ['lead', 'account', 'contact', 'opportunity', 'task', 'activity', 'team', 'pipeline', 'scoring', 'analytics'] as const;
export type StreamCategory = (typeof streamCategories)[number];

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Team member ids are client-chosen (`PUT /team/members/{id}`): a letter or digit, then up to 63
 * of letters, digits and `._:@-`. Every context that names an owner or assignee accepts these.
 */
export const memberIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;

/** Streams are named `<category>-<id>`, e.g. `lead-5f0c…`. */
export const streamId = (category: StreamCategory, id: string): string => `${category}-${id}`;

export const categoryOf = (id: string): string => {
  const dash = id.indexOf('-');
  return dash < 0 ? id : id.slice(0, dash);
};

export const idOf = (id: string): string => {
  const dash = id.indexOf('-');
  return dash < 0 ? '' : id.slice(dash + 1);
};

export const isUuid = (value: string): boolean => uuidPattern.test(value);
