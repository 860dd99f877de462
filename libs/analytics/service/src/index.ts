export * from './analytics.module';
export * from './analytics.consumers';
export * from './analytics.service';
export * from './analytics.queries';
export * from './analytics.schema';
export * from './data-source';
export * from './projector';
export * from './forecasting';
