import { daysBetween } from './periods';

// The prescriptive focus list: which of an owner's open leads and deals a next action would move
// the most expected revenue on, and what that action is. Pure: the caller brings the candidates,
// their win probabilities and the clock.

export const nextActions = ['call', 'meeting', 'proposal', 're-engage'] as const;
export type NextAction = (typeof nextActions)[number];

export type FocusCandidate = {
  kind: 'lead' | 'deal';
  id: string;
  name: string;
  /** Deal stage, or lead status. */
  stage: string;
  currency: string | null;
  /** Deal amount or the lead's estimated value, in major units of `currency` (0 when unknown). */
  value: number;
  /** Where `value` came from (the deal's amount, the lead's estimate, a fallback). */
  valueSource?: string;
  /** P(win) of a deal, P(conversion) of a lead, in [0, 1]. */
  winProbability: number;
  /** Where `winProbability` came from (learned stage model, the deal's own, the lead's score). */
  probabilitySource?: string;
  /** Deals only: the expected close date (YYYY-MM-DD). */
  expectedCloseDate?: string | null;
  /** The last activity logged on it or its last stage/status change, whichever is later. */
  lastTouchAt: string;
  /** Leads only: score points gained (negative: lost) over the trend window; null without two scores. */
  scoreTrend?: number | null;
};

export type FocusOptions = {
  now: Date;
  /** Days to close at which the proximity factor halves (1 / (1 + days / scale)). */
  proximityScaleDays?: number;
  /** A lead has no close date: it is treated as closing this many days out. */
  leadHorizonDays?: number;
  /** Each this many days without a touch adds 1 to the staleness factor... */
  stalenessScaleDays?: number;
  /** ...up to this many days (a factor of 1 + cap / scale). */
  stalenessCapDays?: number;
  /** Untouched this long: the next action is to re-engage. */
  staleAfterDays?: number;
};

export type FocusComponents = {
  /** value × winProbability, in major units of the currency. */
  expectedValue: number;
  daysToClose: number | null;
  closeProximity: number;
  daysSinceTouch: number;
  staleness: number;
  scoreTrend: number | null;
  trend: number;
};

export type FocusItem = FocusCandidate & { priority: number; components: FocusComponents; nextAction: NextAction; reason: string };

export const focusDefaults = { proximityScaleDays: 30, leadHorizonDays: 90, stalenessScaleDays: 30, stalenessCapDays: 60, staleAfterDays: 14 } as const;

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const days = (value: number) => `${Math.round(value)} day${Math.round(value) === 1 ? '' : 's'}`;

/** The factors of one candidate's priority; see the analytics service README for the formula. */
export const focusComponents = (candidate: FocusCandidate, options: FocusOptions): FocusComponents => {
  const settings = { ...focusDefaults, ...options };
  const expectedValue = candidate.value * clamp(candidate.winProbability, 0, 1);
  const daysToClose = candidate.kind === 'deal' && candidate.expectedCloseDate ? daysBetween(options.now, `${candidate.expectedCloseDate}T00:00:00.000Z`) : null;
  // A close date already passed counts as closing now: the deal needs attention most.
  const horizon = candidate.kind === 'lead' || daysToClose === null ? settings.leadHorizonDays : Math.max(0, daysToClose);
  const closeProximity = 1 / (1 + horizon / settings.proximityScaleDays);
  const daysSinceTouch = Math.max(0, daysBetween(candidate.lastTouchAt, options.now));
  const staleness = 1 + Math.min(daysSinceTouch, settings.stalenessCapDays) / settings.stalenessScaleDays;
  const scoreTrend = candidate.kind === 'lead' ? (candidate.scoreTrend ?? null) : null;
  const trend = 1 + clamp(scoreTrend ?? 0, -50, 50) / 100;
  return { expectedValue, daysToClose, closeProximity, daysSinceTouch, staleness, scoreTrend, trend };
};

const nextActionOf = (candidate: FocusCandidate, components: FocusComponents, staleAfterDays: number): NextAction => {
  if (components.daysSinceTouch >= staleAfterDays) return 're-engage';
  if (candidate.kind === 'lead') return candidate.stage === 'qualified' ? 'meeting' : 'call';
  if (candidate.winProbability >= 0.5) return 'proposal';
  return candidate.winProbability >= 0.25 ? 'meeting' : 'call';
};

const reasonOf = (candidate: FocusCandidate, components: FocusComponents, staleAfterDays: number): string => {
  const money = (value: number) => `${candidate.currency ?? ''} ${value.toFixed(2)}`.trim();
  const parts = [`${money(components.expectedValue)} expected (${money(candidate.value)} at ${round(candidate.winProbability * 100, 1)} %)`];
  if (components.daysToClose !== null) parts.push(components.daysToClose < 0 ? `close date passed ${days(-components.daysToClose)} ago` : `closing in ${days(components.daysToClose)}`);
  if (components.daysSinceTouch >= staleAfterDays) parts.push(`untouched for ${days(components.daysSinceTouch)}`);
  else parts.push(`last touched ${days(components.daysSinceTouch)} ago`);
  if (components.scoreTrend !== null && components.scoreTrend !== 0) parts.push(`score ${components.scoreTrend > 0 ? 'up' : 'down'} ${Math.abs(components.scoreTrend)} points`);
  return parts.join('; ');
};

/**
 * Ranks candidates by priority = expectedValue × closeProximity × staleness × trend, highest first
 * (ties: higher expected value, then kind and id), each with the reason and the next action.
 */
export const rankFocus = (candidates: readonly FocusCandidate[], options: FocusOptions): FocusItem[] => {
  const staleAfterDays = options.staleAfterDays ?? focusDefaults.staleAfterDays;
  const items = candidates.map((candidate): FocusItem => {
    const components = focusComponents(candidate, options);
    const priority = components.expectedValue * components.closeProximity * components.staleness * components.trend;
    return { ...candidate, priority, components, nextAction: nextActionOf(candidate, components, staleAfterDays), reason: reasonOf(candidate, components, staleAfterDays) };
  });
  return items.sort((a, b) => b.priority - a.priority || b.components.expectedValue - a.components.expectedValue || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
};

export type PlannedActivity = { metric: string; ratio: number; plannedExact: number; planned: number };

/**
 * The seed's activity plan: planned activities = revenue target ÷ `per` × ratio, per metric;
 * `planned` rounds up (a fraction of a call is still a call to make).
 */
export const activityPlan = (targetMinor: number, perMinor: number, ratios: Partial<Record<string, number>>): PlannedActivity[] =>
  Object.entries(ratios)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([metric, ratio]) => {
      const plannedExact = perMinor > 0 ? (targetMinor / perMinor) * ratio : 0;
      return { metric, ratio, plannedExact, planned: Math.ceil(round(plannedExact, 9)) };
    });
