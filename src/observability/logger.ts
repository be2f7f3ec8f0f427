import winston from 'winston';

/** The operator's logger: winston, so that reconcile code can make children carrying key and id. */
export type Logger = winston.Logger;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** error | warn | info | debug; default info. */
  level?: string;
  /** Where lines go; default stdout. Tests pass a stream to read the lines back. */
  stream?: NodeJS.WritableStream;
  /** Silences output entirely (tests that do not look at logs). */
  silent?: boolean;
}

/** A JSON-lines logger with a timestamp on every line. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    transports: [transport],
  });
}

/** The child logger of one reconcile: every line names the object key and the reconcile id. */
export function reconcileLogger(parent: Logger, kind: string, key: string, reconcileId: string): Logger {
  return parent.child({ kind, key, reconcileId });
}
