export * from './absorbing-chain';
export * from './pipeline-forecast';
export * from './stage-model';
export * from './time-to-close';
