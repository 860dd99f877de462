/** Injection tokens for the infrastructure the runtime creates before Nest starts. */
export const PG_POOL = Symbol('PG_POOL');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const RUNTIME_CONFIG = Symbol('RUNTIME_CONFIG');
export const EVENT_BUS = Symbol('EVENT_BUS');
export const METRICS = Symbol('METRICS');
export const KAFKA_PROBE = Symbol('KAFKA_PROBE');
export const CONSUMER_GROUPS_PROBE = Symbol('CONSUMER_GROUPS_PROBE');
