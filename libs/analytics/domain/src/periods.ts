import { periodPattern } from '@crm/contracts';

/** A half-open UTC interval [start, end). */
export type Interval = { start: Date; end: Date };

const dayMs = 86_400_000;

/** `2026-03` or `2026-Q1` as its UTC interval; null when it is neither. */
export const parsePeriod = (period: string): Interval | null => {
  const match = periodPattern.exec(period);
  if (!match) return null;
  const year = Number(match[1]);
  const firstMonth = match[2] ? Number(match[2]) - 1 : (Number(match[3]) - 1) * 3;
  const months = match[2] ? 1 : 3;
  return { start: new Date(Date.UTC(year, firstMonth, 1)), end: new Date(Date.UTC(year, firstMonth + months, 1)) };
};

/** The calendar day `YYYY-MM-DD` as an instant at its start (UTC); null when it is not a real date. */
export const parseDay = (day: string): Date | null => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const date = new Date(`${day}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== day ? null : date;
};

/** The end of a calendar day: the first instant of the next one (exclusive bound). */
export const endOfDay = (day: Date): Date => new Date(day.getTime() + dayMs);

/** Length of the overlap of two intervals, as a fraction of the first one's length. */
export const overlapFraction = (of: Interval, with_: Interval): number => {
  const length = of.end.getTime() - of.start.getTime();
  if (length <= 0) return 0;
  const overlap = Math.min(of.end.getTime(), with_.end.getTime()) - Math.max(of.start.getTime(), with_.start.getTime());
  return Math.max(0, overlap) / length;
};

/** Whole and fractional days between two instants. */
export const daysBetween = (from: string | Date, to: string | Date): number => (new Date(to).getTime() - new Date(from).getTime()) / dayMs;
