import { encodeAll, featureNames, fitEncoder, RawRow } from './encoding';
import { BinaryLabel, fitLogisticRegression, predictProbabilities, sigmoid } from './logistic-regression';
import { accuracy, logLoss, rocAuc } from './metrics';
import { seededRandom, trainTestSplit } from './random';

/**
 * End-to-end check of what lead scoring does: encode lead-like records, fit, score a hold-out.
 * The leads are simulated with a known conversion model, so the fit has a truth to recover.
 */

type Random = () => number;

const pick = <T>(random: Random, options: ReadonlyArray<readonly [T, number]>): T => {
  const total = options.reduce((sum, [, weight]) => sum + weight, 0);
  let u = random() * total;
  for (const [value, weight] of options) {
    u -= weight;
    if (u < 0) return value;
  }
  return options[options.length - 1][0];
};

// Box–Muller; one of the pair is discarded for simplicity.
const normal = (random: Random): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

const poisson = (random: Random, mean: number): number => {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let product = random(); product > limit; product *= random()) k++;
  return k;
};

const missingSometimes = <T>(random: Random, share: number, value: T): T | null => (random() < share ? null : value);

const industries = [['software', 30], ['finance', 20], ['healthcare', 15], ['retail', 15], ['manufacturing', 12], ['education', 6], ['mining', 0.5], ['fishing', 0.05]] as const;
const countries = [['US', 40], ['GB', 15], ['DE', 15], ['FR', 10], ['NL', 8], ['SE', 6], ['IS', 0.04], ['MT', 0.03]] as const;
const sources = [['web', 40], ['referral', 15], ['event', 15], ['cold-call', 20], ['partner', 10]] as const;
const seniorities = [['c-level', 8], ['vp', 12], ['director', 20], ['manager', 30], ['individual', 30]] as const;

const sourceEffect: Record<string, number> = { web: 0, referral: 1.8, event: 0.9, 'cold-call': -1.4, partner: 0.6 };
const seniorityEffect: Record<string, number> = { 'c-level': 1.5, vp: 1, director: 0.4, manager: 0, individual: -0.9 };

type Lead = { row: RawRow; converted: BinaryLabel; trueProbability: number };

const simulateLeads = (count: number, seed: number): Lead[] => {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const logCompanySize = 4 + 1.5 * normal(random);
    const companySize = Math.max(1, Math.round(Math.exp(logCompanySize)));
    const estimatedValue = Math.round(5_000 + 2_000 * normal(random) + 3 * companySize ** 0.5);
    const emailsOpened = poisson(random, 3);
    const websiteVisits = poisson(random, 4);
    const meetingsBooked = poisson(random, 0.6);
    const industry = pick(random, industries);
    const country = pick(random, countries);
    const source = pick(random, sources);
    const seniority = pick(random, seniorities);
    const hasBudget = random() < 0.4;

    // The truth uses only some fields (and companySize on the log scale the model cannot see), so
    // the fit must also learn to ignore noise fields and cope with a misspecified one.
    const logit =
      -7 +
      0.6 * emailsOpened +
      0.5 * websiteVisits +
      1.6 * meetingsBooked +
      0.5 * (logCompanySize - 4) +
      sourceEffect[source] +
      seniorityEffect[seniority] +
      (hasBudget ? 1.5 : 0) +
      (industry === 'software' ? 0.6 : 0);
    const trueProbability = sigmoid(logit);
    const converted: BinaryLabel = random() < trueProbability ? 1 : 0;

    // Missing values are hidden after the outcome is drawn: CRMs lose data regardless of outcome.
    const row: RawRow = {
      companySize: missingSometimes(random, 0.08, companySize),
      estimatedValue: missingSometimes(random, 0.15, estimatedValue),
      emailsOpened,
      websiteVisits,
      meetingsBooked,
      industry: missingSometimes(random, 0.05, industry),
      country: missingSometimes(random, 0.03, country),
      source,
      titleSeniority: missingSometimes(random, 0.1, seniority),
      'custom.hasBudget': missingSometimes(random, 0.2, hasBudget),
    };
    return { row, converted, trueProbability };
  });
};

describe('lead scoring on simulated leads', () => {
  const leads = simulateLeads(5_000, 20_260_501);
  const { train, test } = trainTestSplit(leads.length, 0.25, 17);
  const trainRows = train.map((i) => leads[i].row);
  const trainLabels = train.map((i) => leads[i].converted);
  const testLabels = test.map((i) => leads[i].converted);

  const encoder = fitEncoder(trainRows, { minCategoryCount: 5 });
  const model = fitLogisticRegression(encodeAll(encoder, trainRows), trainLabels, { l2Penalty: 1 });
  const probabilities = predictProbabilities(model, encodeAll(encoder, test.map((i) => leads[i].row)));

  it('simulates a plausible conversion rate', () => {
    const rate = leads.reduce((sum, lead) => sum + lead.converted, 0) / leads.length;
    expect(rate).toBeGreaterThan(0.15);
    expect(rate).toBeLessThan(0.5);
  });

  it('encodes rare, missing and boolean values as designed', () => {
    const names = featureNames(encoder);
    expect(names).toEqual(expect.arrayContaining(['companySize__missing', 'estimatedValue__missing', 'country=__other__', 'industry=__missing__', 'custom.hasBudget=__missing__']));
    expect(names).not.toContain('emailsOpened__missing');
    expect(names.some((name) => name === 'country=IS' || name === 'country=MT')).toBe(false);
    expect(names).toEqual(expect.arrayContaining(['custom.hasBudget=true']));
  });

  it('converges and ranks hold-out leads well', () => {
    expect(model.converged).toBe(true);
    expect(model.coef.every(Number.isFinite)).toBe(true);
    expect(test).toHaveLength(1_250);

    const auc = rocAuc(probabilities, testLabels);
    const loss = logLoss(probabilities, testLabels);
    expect(auc).toBeGreaterThanOrEqual(0.85);
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeLessThan(0.5);
    expect(accuracy(probabilities, testLabels)).toBeGreaterThan(0.7);

    // Close to the ceiling that the true probabilities reach on the same hold-out.
    const bayesAuc = rocAuc(test.map((i) => leads[i].trueProbability), testLabels);
    expect(auc).toBeGreaterThan(bayesAuc - 0.02);
  });

  it('fits unregularised too, since each categorical drops its reference level', () => {
    // The default bins leave `__other__` with a few leads only (see the next test); 280 pools SE
    // (~240 training leads) with the stray IS/MT ones, so every level is large enough for the
    // maximum-likelihood fit to exist.
    const coarse = fitEncoder(trainRows, { minCategoryCount: 280 });
    const unregularised = fitLogisticRegression(encodeAll(coarse, trainRows), trainLabels, { l2Penalty: 0 });
    expect(unregularised.converged).toBe(true);
    expect(unregularised.iterations).toBeLessThan(15);
    expect(featureNames(coarse)).toContain('country=__other__');
    const coarseProbabilities = predictProbabilities(unregularised, encodeAll(coarse, test.map((i) => leads[i].row)));
    expect(rocAuc(coarseProbabilities, testLabels)).toBeGreaterThanOrEqual(0.85);
  });

  it('stays finite when rare pooled levels happen to hold only non-converters', () => {
    // With the default bins, `__other__` holds a handful of leads that all failed to convert: their
    // coefficient has no finite maximum-likelihood value; the fit must stop finite, not reach NaN.
    const quasiSeparated = fitLogisticRegression(encodeAll(encoder, trainRows), trainLabels, { l2Penalty: 0 });
    expect(quasiSeparated.converged).toBe(false);
    // Stopped once further steps no longer changed the likelihood, well before the cap of 100.
    expect(quasiSeparated.iterations).toBeLessThan(50);
    expect(quasiSeparated.coef.every(Number.isFinite)).toBe(true);
    const quasiProbabilities = predictProbabilities(quasiSeparated, encodeAll(encoder, test.map((i) => leads[i].row)));
    expect(quasiProbabilities.every(Number.isFinite)).toBe(true);
    expect(rocAuc(quasiProbabilities, testLabels)).toBeGreaterThanOrEqual(0.85);
  });

  it('recovers the direction of the true effects', () => {
    const coefficient = (name: string) => model.coef[featureNames(encoder).indexOf(name)];
    expect(coefficient('meetingsBooked')).toBeGreaterThan(0.5);
    expect(coefficient('emailsOpened')).toBeGreaterThan(0);
    expect(coefficient('custom.hasBudget=true')).toBeGreaterThan(0.5);
    expect(coefficient('source=referral')).toBeGreaterThan(1);
    expect(coefficient('source=cold-call')).toBeLessThan(-0.5);
    expect(coefficient('titleSeniority=individual')).toBeLessThan(0);
    // Country plays no part in the simulated conversions.
    expect(Math.abs(coefficient('country=GB'))).toBeLessThan(0.5);
  });
});
