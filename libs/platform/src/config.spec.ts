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
      kafkaSessionTimeoutMs: 10000,
      bodyLimit: 262144,
      rateLimitPerMinute: 6000,
      requestTimeoutMs: 30000,
      logLevel: 'info',
      jwtSecret: undefined,
      jwtAlgorithm: 'HS256',
      jwtJwksUrl: undefined,
      jwtJwksMinRefetchMs: 30000,
      jwtIssuer: undefined,
      jwtAudience: undefined,
      tracesExporter: 'none',
      otlpTracesEndpoint: 'http://localhost:4318/v1/traces',
      otelServiceName: undefined,
    });
  });

  it('reads the standard OpenTelemetry variables, and refuses an unknown exporter or a bad endpoint', () => {
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_SERVICE_NAME: 'crm-eu' })).toMatchObject({
      tracesExporter: 'otlp',
      otlpTracesEndpoint: 'http://collector:4318/v1/traces',
      otelServiceName: 'crm-eu',
    });
    // The signal-specific endpoint is used as given and wins over the base one.
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/otlp/traces' }).otlpTracesEndpoint).toBe('https://b/otlp/traces');
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'console', OTEL_SDK_DISABLED: 'true' }).tracesExporter).toBe('none');
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(new ConfigError('OTEL_TRACES_EXPORTER must be none, otlp or console, not "jaeger"'));
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(ConfigError);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' })).toThrow('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL');
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
      KAFKA_SESSION_TIMEOUT_MS: '45000',
    });
    expect(loadConfig({ JWT_ALGORITHM: 'RS256', JWT_JWKS_URL: 'https://issuer.example/.well-known/jwks.json', JWT_JWKS_MIN_REFETCH_MS: '0', JWT_ISSUER: 'https://issuer.example/', JWT_AUDIENCE: 'crm' })).toMatchObject({
      jwtAlgorithm: 'RS256',
      jwtJwksMinRefetchMs: 0,
      jwtJwksUrl: 'https://issuer.example/.well-known/jwks.json',
      jwtIssuer: 'https://issuer.example/',
      jwtAudience: 'crm',
    });
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: '/var/lib/crm', eventStore: 'kurrentdb', kafkaBrokers: ['a:9092', 'b:9092'], bodyLimit: 2048, rateLimitPerMinute: 0, requestTimeoutMs: 5000, kafkaSessionTimeoutMs: 45000 });
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be an integer between 0 and 65535/],
    [{ EVENT_STORE: 'mongo' }, /EVENT_STORE must be postgres or kurrentdb/],
    [{ EVENT_STORE: 'kurrentdb' }, /needs KURRENTDB_URL/],
    [{ BODY_LIMIT_BYTES: '10' }, /BODY_LIMIT_BYTES/],
    [{ RATE_LIMIT_PER_MINUTE: '-1' }, /RATE_LIMIT_PER_MINUTE/],
    [{ REQUEST_TIMEOUT_MS: '5' }, /REQUEST_TIMEOUT_MS/],
    [{ KAFKA_SESSION_TIMEOUT_MS: '1000' }, /KAFKA_SESSION_TIMEOUT_MS must be an integer between 6000 and 1800000/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be/],
    [{ JWT_ALGORITHM: 'ES256' }, /JWT_ALGORITHM must be HS256 or RS256/],
    [{ JWT_ALGORITHM: 'RS256' }, /needs JWT_JWKS_URL/],
    [{ JWT_ALGORITHM: 'RS256', JWT_JWKS_URL: 'ftp://issuer/keys' }, /JWT_JWKS_URL must be an http\(s\) URL/],
    [{ JWT_ALGORITHM: 'RS256', JWT_JWKS_URL: 'not a url' }, /JWT_JWKS_URL must be an http\(s\) URL/],
    [{ JWT_JWKS_URL: 'https://issuer/keys' }, /only used with JWT_ALGORITHM=RS256/],
    [{ JWT_JWKS_MIN_REFETCH_MS: '-5' }, /JWT_JWKS_MIN_REFETCH_MS/],
  ])('rejects %j with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
