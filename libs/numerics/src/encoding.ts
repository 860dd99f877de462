/**
 * Turns mixed tabular records (CRM leads: sizes, amounts, counts, picklists, flags, custom
 * attributes) into the numeric design matrix a linear model trains on. The fitted `Encoder` is plain
 * JSON so that it can be stored in the event that records a trained model and replayed to score
 * later exactly as at training time.
 */

export type RawValue = string | number | boolean | null | undefined;
export type RawRow = Readonly<Record<string, RawValue>>;

export const OTHER_LEVEL = '__other__';
export const MISSING_LEVEL = '__missing__';

export type NumericFeatureEncoding = {
  kind: 'numeric';
  field: string;
  mean: number;
  /** Population standard deviation of the training values; 1 when they were constant, to avoid 0/0. */
  standardDeviation: number;
  /** Whether a `<field>__missing` 0/1 column follows, created only when training rows lacked the value. */
  missingIndicator: boolean;
};

export type CategoricalFeatureEncoding = {
  kind: 'categorical';
  field: string;
  /** Categories seen at least minCategoryCount times, sorted; anything else maps to `__other__`. */
  categories: string[];
  /** Every level with at least one training row: the categories, then `__other__`, then `__missing__`. */
  levels: string[];
  /**
   * The most frequent level, which gets no column. Full one-hot plus an intercept is collinear, which
   * leaves the unregularised fit without a unique solution; dropping the commonest level keeps the
   * design full rank with the best-estimated baseline.
   */
  reference: string;
};

export type FeatureEncoding = NumericFeatureEncoding | CategoricalFeatureEncoding;

export type Encoder = {
  version: 1;
  minCategoryCount: number;
  /** Sorted by field name; the column order of `encode` follows this order. */
  features: FeatureEncoding[];
};

export type EncoderOptions = {
  /** Categories with fewer training rows are pooled into `<field>=__other__`. Default 5. */
  minCategoryCount?: number;
  /** Fields never to encode (identifiers, the label itself, …). */
  exclude?: readonly string[];
};

// Code-unit order rather than localeCompare: the column order must not depend on the host's locale.
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

type Present = { kind: 'number'; value: number } | { kind: 'category'; value: string };

/**
 * null, undefined, non-finite numbers and blank strings all count as missing: CRM forms and imports
 * produce all of them for "not filled in", and none can be standardised or is a meaningful category.
 */
const classify = (value: RawValue): Present | undefined => {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? { kind: 'number', value } : undefined;
  if (typeof value === 'boolean') return { kind: 'category', value: String(value) };
  return value.trim() === '' ? undefined : { kind: 'category', value };
};

const categoryOf = (value: RawValue): string | undefined => {
  const present = classify(value);
  return present === undefined ? undefined : String(present.value);
};

const fitNumeric = (field: string, values: readonly RawValue[]): NumericFeatureEncoding => {
  const observed: number[] = [];
  for (const value of values) {
    const present = classify(value);
    if (present?.kind === 'number') observed.push(present.value);
  }
  const mean = observed.reduce((sum, value) => sum + value, 0) / observed.length;
  const variance = observed.reduce((sum, value) => sum + (value - mean) ** 2, 0) / observed.length;
  const standardDeviation = Math.sqrt(variance);
  return {
    kind: 'numeric',
    field,
    mean,
    standardDeviation: standardDeviation > 0 ? standardDeviation : 1,
    missingIndicator: observed.length < values.length,
  };
};

const fitCategorical = (field: string, values: readonly RawValue[], minCategoryCount: number): CategoricalFeatureEncoding => {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const value of values) {
    const category = categoryOf(value);
    if (category === undefined) missing++;
    else counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  const categories = [...counts.keys()].filter((category) => (counts.get(category) ?? 0) >= minCategoryCount).sort(byCodeUnit);
  const other = [...counts.values()].reduce((sum, count) => (count >= minCategoryCount ? sum : sum + count), 0);
  const levelCounts: Array<[string, number]> = categories.map((category) => [category, counts.get(category) ?? 0]);
  if (other > 0) levelCounts.push([OTHER_LEVEL, other]);
  if (missing > 0) levelCounts.push([MISSING_LEVEL, missing]);
  // Ties go to the earliest level so that the reference is deterministic.
  const reference = levelCounts.reduce((best, current) => (current[1] > best[1] ? current : best))[0];
  return { kind: 'categorical', field, categories, levels: levelCounts.map(([level]) => level), reference };
};

/**
 * Learns the encoding from training rows. A field is numeric when every present value is a finite
 * number, categorical when any present value is a string or boolean (numbers in such a field are
 * taken as their string form), and skipped when no training row has a value for it.
 */
export const fitEncoder = (rows: readonly RawRow[], options: EncoderOptions = {}): Encoder => {
  const minCategoryCount = options.minCategoryCount ?? 5;
  if (!Number.isInteger(minCategoryCount) || minCategoryCount < 1) {
    throw new RangeError('fitEncoder: minCategoryCount must be a positive integer');
  }
  const excluded = new Set(options.exclude ?? []);
  const fields = new Set<string>();
  for (const row of rows) for (const field of Object.keys(row)) if (!excluded.has(field)) fields.add(field);

  const features: FeatureEncoding[] = [];
  for (const field of [...fields].sort(byCodeUnit)) {
    // Rows without the key count as missing for it, so every row contributes to every field.
    const values = rows.map((row) => (Object.prototype.hasOwnProperty.call(row, field) ? row[field] : undefined));
    const present = values.map(classify).filter((value): value is Present => value !== undefined);
    if (present.length === 0) continue;
    features.push(
      present.every((value) => value.kind === 'number')
        ? fitNumeric(field, values)
        : fitCategorical(field, values, minCategoryCount),
    );
  }
  return { version: 1, minCategoryCount, features };
};

const categoricalColumns = (feature: CategoricalFeatureEncoding): string[] =>
  feature.levels.filter((level) => level !== feature.reference);

export const featureNames = (encoder: Encoder): string[] =>
  encoder.features.flatMap((feature) =>
    feature.kind === 'numeric'
      ? feature.missingIndicator
        ? [feature.field, `${feature.field}__missing`]
        : [feature.field]
      : categoricalColumns(feature).map((level) => `${feature.field}=${level}`),
  );

/**
 * Encodes one row in `featureNames` order. Never throws on unexpected input, because scoring must
 * work on whatever a lead holds: a missing or non-numeric value in a numeric field becomes the
 * training mean (0 after standardising) with the missing indicator set; an unseen category becomes
 * `__other__`; a level that had no training rows (no `__other__` or `__missing__` column) encodes
 * as all zeros, i.e. the reference level, which is what a zero-weight column would give anyway.
 */
export const encode = (encoder: Encoder, row: RawRow): number[] => {
  const encoded: number[] = [];
  for (const feature of encoder.features) {
    const value = Object.prototype.hasOwnProperty.call(row, feature.field) ? row[feature.field] : undefined;
    if (feature.kind === 'numeric') {
      const present = classify(value);
      const isNumber = present?.kind === 'number';
      encoded.push(isNumber ? (present.value - feature.mean) / feature.standardDeviation : 0);
      if (feature.missingIndicator) encoded.push(isNumber ? 0 : 1);
    } else {
      const category = categoryOf(value);
      const level = category === undefined ? MISSING_LEVEL : feature.categories.includes(category) ? category : OTHER_LEVEL;
      for (const column of categoricalColumns(feature)) encoded.push(column === level ? 1 : 0);
    }
  }
  return encoded;
};

export const encodeAll = (encoder: Encoder, rows: readonly RawRow[]): number[][] => rows.map((row) => encode(encoder, row));
