import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      dataDir: resolve('.data'),
      databaseUrl: undefined,
      eventStore: 'postgres',
      kurrentDbUrl: undefined,
      kafkaBrokers: undefined,
      kafkaPartitions: 6,
      kafkaTopicPrefix: '',
      bodyLimit: 262144,
      rateLimitPerMinute: 6000,
      requestTimeoutMs: 30000,
      logLevel: 'info',
      jwtSecret: undefined,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/crm',
      DATABASE_URL: 'postgres://db/crm',
      EVENT_STORE: 'kurrentdb',
      KURRENTDB_URL: 'kurrentdb://k:2113?tls=false',
      KAFKA_BROKERS: 'a:9092, b:9092,',
      BODY_LIMIT_BYTES: '2048',
      RATE_LIMIT_PER_MINUTE: '0',
      REQUEST_TIMEOUT_MS: '5000',
    });
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: '/var/lib/crm', eventStore: 'kurrentdb', kafkaBrokers: ['a:9092', 'b:9092'], bodyLimit: 2048, rateLimitPerMinute: 0, requestTimeoutMs: 5000 });
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be an integer between 0 and 65535/],
    [{ EVENT_STORE: 'mongo' }, /EVENT_STORE must be postgres or kurrentdb/],
    [{ EVENT_STORE: 'kurrentdb' }, /needs KURRENTDB_URL/],
    [{ BODY_LIMIT_BYTES: '10' }, /BODY_LIMIT_BYTES/],
    [{ RATE_LIMIT_PER_MINUTE: '-1' }, /RATE_LIMIT_PER_MINUTE/],
    [{ REQUEST_TIMEOUT_MS: '5' }, /REQUEST_TIMEOUT_MS/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be/],
  ])('rejects %j with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
