export * from './accuracy';
export * from './backtest';
export * from './exponential-smoothing';
export * from './forecast-models';
export * from './nelder-mead';
export * from './arima';
