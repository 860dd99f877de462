export * from './opportunities.module';
export * from './opportunities.service';
export * from './settings';
