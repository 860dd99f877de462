import { logLevel } from 'kafkajs';
import { createKafka, kafkaBrokersFromEnv, quietLogCreator } from './kafka-client';

describe('kafkaBrokersFromEnv', () => {
  it('parses a single broker', () => {
    expect(kafkaBrokersFromEnv({ KAFKA_BROKERS: '127.0.0.1:19092' })).toEqual(['127.0.0.1:19092']);
  });

  it('parses a comma-separated list, trimming blanks and empty entries', () => {
    expect(kafkaBrokersFromEnv({ KAFKA_BROKERS: ' kafka-1:9092 , kafka-2.internal:9093,,[::1]:9094 ,' })).toEqual([
      'kafka-1:9092',
      'kafka-2.internal:9093',
      '[::1]:9094',
    ]);
  });

  it('names the variable when it is missing or blank', () => {
    expect(() => kafkaBrokersFromEnv({})).toThrow(/KAFKA_BROKERS is not set/);
    expect(() => kafkaBrokersFromEnv({ KAFKA_BROKERS: '   ' })).toThrow(/KAFKA_BROKERS is not set/);
  });

  it('rejects a value that lists no broker', () => {
    expect(() => kafkaBrokersFromEnv({ KAFKA_BROKERS: ' , ,' })).toThrow(/lists no broker/);
  });

  it.each(['localhost', 'localhost:', ':9092', 'localhost:0', 'localhost:70000', 'kafka://localhost:9092', 'host:port', 'a b:9092'])(
    'rejects "%s" as not host:port',
    (entry) => {
      expect(() => kafkaBrokersFromEnv({ KAFKA_BROKERS: `ok:9092,${entry}` })).toThrow(`KAFKA_BROKERS entry "${entry.trim()}" is not host:port`);
    },
  );

  it('reads process.env by default', () => {
    const saved = process.env.KAFKA_BROKERS;
    try {
      process.env.KAFKA_BROKERS = 'from-process-env:9092';
      expect(kafkaBrokersFromEnv()).toEqual(['from-process-env:9092']);
    } finally {
      if (saved === undefined) delete process.env.KAFKA_BROKERS;
      else process.env.KAFKA_BROKERS = saved;
    }
  });
});

describe('createKafka', () => {
  it('refuses an empty broker list up front', () => {
    expect(() => createKafka({ brokers: [], clientId: 'test' })).toThrow(/at least one broker/);
  });

  it('logs warnings as single lines through the sink', () => {
    const lines: string[] = [];
    const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'test', logSink: (line) => lines.push(line) });
    kafka.logger().info('not shown at the default WARN level');
    kafka.logger().warn('no namespace on the root logger');
    kafka.logger().namespace('Connection').warn('broker went away', { broker: '127.0.0.1:1', retryCount: 2 });
    expect(lines).toEqual([
      '[kafkajs] WARN: no namespace on the root logger',
      '[kafkajs] WARN Connection: broker went away {"broker":"127.0.0.1:1","retryCount":2}',
    ]);
  });

  it('formats an error cause without its stack', () => {
    const lines: string[] = [];
    const log = quietLogCreator((line) => lines.push(line))(logLevel.ERROR);
    log({ namespace: 'Consumer', level: logLevel.ERROR, label: 'ERROR', log: { timestamp: 'now', message: 'Crash', error: 'boom', stack: 'at x' } });
    expect(lines).toEqual(['[kafkajs] ERROR Consumer: Crash (boom)']);
  });
});
