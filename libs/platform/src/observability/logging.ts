import pino, { Logger } from 'pino';

/**
 * The process's JSON logger (pino): one line per event, with the service name; request lines add
 * the correlation id, tenant and actor. Personal data stays out: no bodies, no query strings (a
 * search term can be a name), and authorization headers and contact fields are redacted wherever
 * they appear.
 */
export const createLogger = (service: string, level: string): Logger =>
  pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.email', '*.phone', '*.password', '*.token'],
      censor: '[redacted]',
    },
  });
