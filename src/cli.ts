// The `siphon` command: siphon [-c FILE] | siphon --check [-c FILE] | siphon --version
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';

import { ConfigError, loadConfig } from './config';
import { ExitCode, SiphonExit } from './exit';
import { loadAddon } from './addon/addon';
import { LogFile, logger } from './log';
// Imported eagerly: a supervised child must listen for the parent's sockets from its first tick.
import { childPorts, CHILD_ENV, isSupervisedChild, Supervisor } from './supervisor';

// As siphon-sip: without -c, the siphon.yaml in the working directory.
const DEFAULT_CONFIG = 'siphon.yaml';

const USAGE = `usage: siphon [-c siphon.yaml]          serve (default config: ./siphon.yaml)
       siphon --check [-c siphon.yaml]  validate config, load the script, print routes
       siphon --version
       siphon -h | --help`;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = (require('../package.json') as { version: string }).version;

function versionText(): string {
  const parts = [`siphon-http ${VERSION}`, `node ${process.version}`];
  try {
    const native = loadAddon().describe();
    parts.push(`Python ${native.pythonVersion?.split(' ')[0] ?? '?'} (${native.python}${native.freeThreaded ? ', free-threaded' : ''})`);
  } catch (err) {
    parts.push(`addon unavailable: ${(err as Error).message}`);
  }
  return parts.join(', ');
}

async function main(argv: string[]): Promise<void> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        check: { type: 'boolean' },
        version: { type: 'boolean', short: 'V' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new SiphonExit(ExitCode.Usage, `${(err as Error).message}\n${USAGE}`);
  }
  const { values } = args;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.version) {
    process.stdout.write(`${versionText()}\n`);
    return;
  }
  if (!values.config && !fs.existsSync(DEFAULT_CONFIG)) {
    throw new SiphonExit(ExitCode.Usage, `no -c/--config given and no ./${DEFAULT_CONFIG} in ${process.cwd()}\n${USAGE}`);
  }
  const configPath = values.config ?? DEFAULT_CONFIG;

  const config = loadConfig(configPath);
  logger.configure(config.log.level, config.log.format);
  if (config.log.file !== undefined && !values.check) openLogFile(config.file, config.log.file);
  if (isSupervisedChild()) {
    logger.setProcess(Number(process.env[CHILD_ENV]));
    const ports = childPorts();
    for (const server of config.servers) server.port = ports?.[server.index] ?? server.port;
  } else {
    for (const warning of config.warnings) logger.warn('siphon.config', warning);
  }

  if (values.check) {
    const { check } = await import('./check');
    process.stdout.write(`${await check(config, logger)}\n`);
    process.exit(ExitCode.Ok);
  }
  if (config.script.processes > 1 && !isSupervisedChild()) {
    await new Supervisor(config, configPath, logger).run();
    return;
  }
  const { Server } = await import('./serve');
  await new Server(config, logger).run();
}

function openLogFile(configFile: string, file: string): void {
  let sink: LogFile;
  try {
    sink = new LogFile(file);
  } catch (err) {
    throw new SiphonExit(ExitCode.Usage, `${configFile}: log.file: cannot open ${file} for appending: ${(err as Error).message}`);
  }
  logger.setFile(sink);
  process.on('SIGHUP', () => sink.reopen());
}

export function run(argv: string[] = process.argv.slice(2)): void {
  main(argv).catch((err: unknown) => {
    if (err instanceof ConfigError) {
      logger.error('siphon.config', `invalid configuration:\n${err.message}`);
      process.exit(ExitCode.Usage);
    }
    if (err instanceof SiphonExit) {
      logger.error('siphon', err.message);
      process.exit(err.code);
    }
    logger.error('siphon', `unexpected error: ${(err as Error).stack ?? String(err)}`);
    process.exit(ExitCode.Runtime);
  });
}

if (require.main === module) run();
