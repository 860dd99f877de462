export * from './encoding';
export * from './linear-algebra';
export * from './linear-regression';
export * from './logistic-regression';
export * from './metrics';
export * from './random';
export * from './pipeline';
export * from './time-series';
