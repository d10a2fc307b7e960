// The host logger. Every line siphon prints -- its own, native code's, and
// scripts' via siphon.log -- goes through one Logger, so the level filter and
// the format (pretty | json) are the same for all of them.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'pretty' | 'json';

export const LEVEL_VALUES: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function levelFromValue(value: number): LogLevel {
  if (value >= 40) return 'error';
  if (value >= 30) return 'warn';
  if (value >= 20) return 'info';
  return 'debug';
}

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface LogSink {
  write(line: string): void;
}

const stderrSink: LogSink = { write: (line) => process.stderr.write(line) };

const PRETTY_LABELS: Record<LogLevel, string> = { debug: 'DEBUG', info: ' INFO', warn: ' WARN', error: 'ERROR' };

export class Logger {
  private threshold: number;
  private processIndex: number | undefined;

  constructor(
    level: LogLevel = 'info',
    private format: LogFormat = 'pretty',
    private sink: LogSink = stderrSink,
  ) {
    this.threshold = LEVEL_VALUES[level];
  }

  configure(level: LogLevel, format: LogFormat): void {
    this.threshold = LEVEL_VALUES[level];
    this.format = format;
  }

  // Set in supervised children (script.processes > 1) so lines say which process wrote them.
  setProcess(index: number): void {
    this.processIndex = index;
  }

  get levelValue(): number {
    return this.threshold;
  }

  enabled(level: LogLevel): boolean {
    return LEVEL_VALUES[level] >= this.threshold;
  }

  log(level: LogLevel, target: string, message: string, fields?: LogFields): void {
    if (LEVEL_VALUES[level] < this.threshold) return;
    const time = new Date().toISOString();
    const process = this.processIndex;
    if (this.format === 'json') {
      this.sink.write(JSON.stringify({ time, level, target, message, ...(process === undefined ? {} : { process }), ...fields }) + '\n');
      return;
    }
    let line = `${time} ${PRETTY_LABELS[level]} ${process === undefined ? '' : `[p${process}] `}${target}: ${message}`;
    if (fields) {
      for (const [key, value] of Object.entries(fields)) {
        if (value !== undefined) line += ` ${key}=${value}`;
      }
    }
    this.sink.write(line + '\n');
  }

  debug(target: string, message: string, fields?: LogFields): void {
    this.log('debug', target, message, fields);
  }
  info(target: string, message: string, fields?: LogFields): void {
    this.log('info', target, message, fields);
  }
  warn(target: string, message: string, fields?: LogFields): void {
    this.log('warn', target, message, fields);
  }
  error(target: string, message: string, fields?: LogFields): void {
    this.log('error', target, message, fields);
  }
}

export const logger = new Logger();
