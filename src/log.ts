// The host logger. Every line siphon prints -- its own, native code's, and
// scripts' via siphon.log -- goes through one Logger, so the level filter and
// the format (pretty | json) are the same for all of them. Lines go to stderr,
// and also to `log.file` when one is configured.
import * as fs from 'node:fs';
import * as path from 'node:path';

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

// Creates the missing folders above `file`, one mkdir each (throws the first
// failure). Not mkdirSync's recursive mode: it spins forever under /proc.
function makeParents(file: string): void {
  const missing: string[] = [];
  for (let dir = path.dirname(file); !fs.existsSync(dir) && path.dirname(dir) !== dir; dir = path.dirname(dir)) missing.unshift(dir);
  for (const dir of missing) fs.mkdirSync(dir);
}

// log.file: appended to with one write per line (O_APPEND, so the processes
// of script.processes > 1 can share it), reopened on SIGHUP so logrotate can
// move it away.
export class LogFile implements LogSink {
  private fd: number;
  private failed = false;

  constructor(readonly file: string) {
    this.fd = LogFile.open(file);
  }

  // Throws the fs error when the file cannot be created or appended to.
  private static open(file: string): number {
    makeParents(file);
    return fs.openSync(file, 'a');
  }

  write(line: string): void {
    try {
      fs.writeSync(this.fd, line);
      this.failed = false;
    } catch (err) {
      // Say so once on stderr, not once per line; stderr still has everything.
      if (!this.failed) process.stderr.write(`siphon: cannot write to log.file ${this.file}: ${(err as Error).message}\n`);
      this.failed = true;
    }
  }

  // A new file at the same path (the old one was moved away): keep writing
  // to the old descriptor if the new one cannot be opened.
  reopen(): void {
    let fd: number;
    try {
      fd = LogFile.open(this.file);
    } catch (err) {
      process.stderr.write(`siphon: cannot reopen log.file ${this.file}: ${(err as Error).message}\n`);
      return;
    }
    fs.closeSync(this.fd);
    this.fd = fd;
  }
}

const PRETTY_LABELS: Record<LogLevel, string> = { debug: 'DEBUG', info: ' INFO', warn: ' WARN', error: 'ERROR' };

export class Logger {
  private threshold: number;
  private processIndex: number | undefined;
  private file: LogFile | undefined;

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

  // Lines go to `file` as well as the sink from now on.
  setFile(file: LogFile): void {
    this.file = file;
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
      this.write(JSON.stringify({ time, level, target, message, ...(process === undefined ? {} : { process }), ...fields }) + '\n');
      return;
    }
    let line = `${time} ${PRETTY_LABELS[level]} ${process === undefined ? '' : `[p${process}] `}${target}: ${message}`;
    if (fields) {
      for (const [key, value] of Object.entries(fields)) {
        if (value !== undefined) line += ` ${key}=${value}`;
      }
    }
    this.write(line + '\n');
  }

  // The file first: a line seen on stderr is already in the file.
  private write(line: string): void {
    this.file?.write(line);
    this.sink.write(line);
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
