// Loads siphon.yaml and the http.yaml it names into one resolved, checked
// SiphonConfig: defaults applied, relative paths made absolute, files checked
// to exist. Relative paths resolve against the working directory, except the
// script's (and extensions.http), which siphon-sip's rule anchors first on the
// config file's folder (anchored() below).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { YamlFile } from './document';
import { ConfigError } from './errors';
import { formatListen, parseListen } from './listen';
import { parseProxyEntry } from '../server/trusted-proxies';
import { ClientYaml, httpSchema, ServerYaml, SIP_SERVER_KEYS, siphonSchema } from './schema';
import { suggest } from './suggest';

export { ConfigError } from './errors';

export interface TlsConfig {
  certPath: string;
  keyPath: string;
  clientCa?: string;
}

export interface ServerConfig {
  index: number;
  listen: string; // normalised "host:port"
  listenAsWritten: string; // the config's own text (http._config.listen_addrs)
  host: string;
  port: number;
  tls?: TlsConfig;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  maxHeaderBytes: number;
  trustedProxies: string[];
  http2: boolean;
  healthPath?: string;
  metricsPath?: string; // set on the one server that serves metrics
  routes: boolean; // false: only health and metrics here, 404 for the rest
}

export interface ClientConfig {
  name: string;
  baseUrl?: string;
  timeoutMs: number;
  verify?: string;
  cert?: string;
  key?: string;
  poolSize: number; // idle connections kept per origin, not a cap on concurrent requests
  http2PriorKnowledge: boolean;
  followRedirects: boolean;
}

export interface ScriptConfig {
  path: string;
  reload: 'auto' | 'sighup';
  syncPoolSize: number;
  syncPoolMax: number;
  asyncPoolSize: number | undefined; // undefined: decided by the interpreter build (runtime.ts)
  queueCapacity: number;
  stallAbortSecs: number;
  processes: number;
  shutdownGraceMs: number;
  venv?: string;
  includePaths: string[]; // prepended to sys.path
}

export interface SiphonConfig {
  file: string;
  httpFile?: string;
  script: ScriptConfig;
  log: { level: 'debug' | 'info' | 'warn' | 'error'; format: 'pretty' | 'json'; access: boolean; file?: string };
  servers: ServerConfig[];
  clients: ClientConfig[];
  warnings: string[];
}

function resolvePath(value: string): string {
  return path.resolve(process.cwd(), value);
}

// siphon-sip's rule for the script's paths: a relative path that exists next
// to the config file is taken from there (a service started with / as its
// working directory still finds it), otherwise from the working directory (a
// config run from a repository root with repository-relative paths).
function anchored(configDir: string, value: string): string {
  if (path.isAbsolute(value)) return value;
  const besideConfig = path.join(configDir, value);
  return fs.existsSync(besideConfig) ? besideConfig : resolvePath(value);
}

function checkFile(yaml: YamlFile, keyPath: PropertyKey[], value: string, kind = 'file'): string {
  const absolute = resolvePath(value);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute);
  } catch {
    return yaml.fail(keyPath, `${kind} not found: ${absolute}`);
  }
  if (kind === 'directory' ? !stat.isDirectory() : !stat.isFile()) {
    return yaml.fail(keyPath, `not a ${kind}: ${absolute}`);
  }
  try {
    fs.accessSync(absolute, fs.constants.R_OK);
  } catch {
    return yaml.fail(keyPath, `${kind} not readable: ${absolute}`);
  }
  return absolute;
}

function readPem(yaml: YamlFile, keyPath: PropertyKey[], file: string): string {
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes('-----BEGIN ')) yaml.fail(keyPath, `not a PEM file: ${file}`);
  return text;
}

function loadTls(yaml: YamlFile, base: PropertyKey[], tls: NonNullable<ServerYaml['tls']>): TlsConfig {
  const certPath = checkFile(yaml, [...base, 'cert_path'], tls.cert_path);
  const keyPath = checkFile(yaml, [...base, 'key_path'], tls.key_path);
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(readPem(yaml, [...base, 'cert_path'], certPath));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    return yaml.fail([...base, 'cert_path'], `cannot parse certificate ${certPath}: ${(err as Error).message}`);
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(readPem(yaml, [...base, 'key_path'], keyPath));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const message = (err as Error).message;
    const why = /passphrase|encrypted/i.test(message) ? 'encrypted private keys are not supported' : message;
    return yaml.fail([...base, 'key_path'], `cannot parse private key ${keyPath}: ${why}`);
  }
  if (!cert.checkPrivateKey(key)) {
    yaml.fail([...base, 'key_path'], `private key ${keyPath} does not match certificate ${certPath}`);
  }
  const out: TlsConfig = { certPath, keyPath };
  if (tls.client_ca !== undefined) {
    const clientCa = checkFile(yaml, [...base, 'client_ca'], tls.client_ca);
    try {
      new crypto.X509Certificate(readPem(yaml, [...base, 'client_ca'], clientCa));
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      yaml.fail([...base, 'client_ca'], `cannot parse CA certificate ${clientCa}: ${(err as Error).message}`);
    }
    out.clientCa = clientCa;
  }
  return out;
}

function loadServer(yaml: YamlFile, index: number, server: ServerYaml, defaultHeaderBytes: number): ServerConfig {
  const base: PropertyKey[] = ['servers', index];
  const address = parseListen(server.listen);
  if (typeof address === 'string') return yaml.fail([...base, 'listen'], address);
  server.trusted_proxies.forEach((entry, i) => {
    const parsed = parseProxyEntry(entry);
    if (typeof parsed === 'string') yaml.fail([...base, 'trusted_proxies', i], parsed);
  });
  return {
    index,
    listen: formatListen(address),
    listenAsWritten: server.listen,
    host: address.host,
    port: address.port,
    tls: server.tls ? loadTls(yaml, [...base, 'tls'], server.tls) : undefined,
    maxBodyBytes: server.max_body_bytes,
    requestTimeoutMs: server.request_timeout_ms,
    maxHeaderBytes: server.max_header_bytes ?? defaultHeaderBytes,
    trustedProxies: server.trusted_proxies,
    http2: server.http2,
    healthPath: server.health_path,
    routes: server.routes,
  };
}

function loadClient(yaml: YamlFile, name: string, client: ClientYaml): ClientConfig {
  const base: PropertyKey[] = ['clients', name];
  if (client.base_url !== undefined) {
    let url: URL;
    try {
      url = new URL(client.base_url);
    } catch {
      return yaml.fail([...base, 'base_url'], `not an absolute URL: ${JSON.stringify(client.base_url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      yaml.fail([...base, 'base_url'], `only http:// and https:// are supported, got ${url.protocol}`);
    }
  }
  if (client.key !== undefined && client.cert === undefined) {
    yaml.fail([...base, 'key'], '`key` needs `cert` (the client certificate) beside it');
  }
  return {
    name,
    baseUrl: client.base_url,
    timeoutMs: client.timeout_ms,
    verify: client.verify !== undefined ? checkFile(yaml, [...base, 'verify'], client.verify) : undefined,
    cert: client.cert !== undefined ? checkFile(yaml, [...base, 'cert'], client.cert) : undefined,
    key: client.key !== undefined ? checkFile(yaml, [...base, 'key'], client.key) : undefined,
    poolSize: client.pool_size,
    http2PriorKnowledge: client.http2_prior_knowledge,
    followRedirects: client.follow_redirects,
  };
}

export function cpuCount(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

export function loadConfig(configPath: string): SiphonConfig {
  const file = resolvePath(configPath);
  const yaml = YamlFile.read(file);
  const warnings: string[] = [];

  const served = Object.keys(siphonSchema.shape);
  const sipKeys = yaml.topLevelKeys().filter((key) => (SIP_SERVER_KEYS as readonly string[]).includes(key) && !served.includes(key));
  if (sipKeys.length > 0) {
    warnings.push(`${file}: ignoring SIP-server keys this binary does not serve: ${sipKeys.join(', ')}`);
    for (const key of sipKeys) yaml.deleteIn([key]);
  }
  const extensions = yaml.doc.getIn(['extensions']);
  if (extensions && typeof extensions === 'object' && 'items' in extensions) {
    const names = (yaml.doc.toJS()?.extensions ?? {}) as Record<string, unknown>;
    for (const name of Object.keys(names)) {
      if (name === 'http') continue;
      // Another server's extension is skipped; a misspelt `http` is an error.
      if (suggest(name, ['http'])) yaml.fail(['extensions', name], `unknown extension '${name}' (did you mean 'http'?)`);
      warnings.push(`${file}: skipping extensions.${name}: this binary only serves the http extension`);
      yaml.deleteIn(['extensions', name]);
    }
  }

  const parsed = yaml.validate(siphonSchema);
  const cpus = cpuCount();
  const configDir = path.dirname(file);
  const scriptPath = checkFile(yaml, ['script', 'path'], anchored(configDir, parsed.script.path));
  const includePaths = parsed.script.include_paths.map((entry, i) => {
    const absolute = anchored(configDir, entry);
    if (!fs.existsSync(absolute)) warnings.push(`${file}: script.include_paths[${i}]: no such directory ${absolute} (kept on sys.path)`);
    return absolute;
  });
  const syncPoolSize = parsed.script.sync_pool_size ?? Math.max(8, 2 * cpus);
  const syncPoolMax = Math.max(parsed.script.sync_pool_max ?? Math.max(32, 4 * syncPoolSize), syncPoolSize);
  const venv = parsed.script.python?.venv ?? process.env.VIRTUAL_ENV;
  const config: SiphonConfig = {
    file,
    script: {
      path: scriptPath,
      reload: parsed.script.reload,
      syncPoolSize,
      syncPoolMax,
      asyncPoolSize: parsed.script.async_pool_size,
      queueCapacity: parsed.script.executor_queue_capacity,
      stallAbortSecs: parsed.script.handler_stall_abort_secs,
      processes: parsed.script.processes === 'auto' ? cpus : parsed.script.processes,
      shutdownGraceMs: parsed.script.shutdown_grace_ms,
      venv:
        parsed.script.python?.venv !== undefined
          ? checkFile(yaml, ['script', 'python', 'venv'], parsed.script.python.venv, 'directory')
          : venv
            ? path.resolve(venv)
            : undefined,
      includePaths,
    },
    log: { ...parsed.log, file: parsed.log.file !== undefined ? resolvePath(parsed.log.file) : undefined },
    servers: [],
    clients: [],
    warnings,
  };

  if (parsed.extensions.http === undefined) {
    warnings.push(`${file}: no extensions.http entry: no listeners and no clients are configured`);
    return config;
  }
  const httpFile = checkFile(yaml, ['extensions', 'http'], anchored(configDir, parsed.extensions.http));
  const httpYaml = YamlFile.read(httpFile);
  const http = httpYaml.validate(httpSchema);
  config.httpFile = httpFile;
  config.servers = http.servers.map((server, i) => loadServer(httpYaml, i, server, http.max_header_bytes));
  const seen = new Map<string, number>();
  for (const server of config.servers) {
    const other = seen.get(server.listen);
    if (other !== undefined) {
      httpYaml.fail(['servers', server.index, 'listen'], `${server.listen} is already used by servers[${other}]`);
    }
    if (server.port !== 0) seen.set(server.listen, server.index);
  }
  if (http.metrics) {
    const wanted = parseListen(http.metrics.listen);
    const normal = typeof wanted === 'string' ? undefined : formatListen(wanted);
    const host = config.servers.find((server) => server.listen === normal);
    if (!host) {
      const known = config.servers.map((server) => server.listen).join(', ') || 'none';
      return httpYaml.fail(['metrics', 'listen'], `${http.metrics.listen} is not the listen address of any server (servers: ${known})`);
    }
    if (host.healthPath === http.metrics.path) httpYaml.fail(['metrics', 'path'], `${http.metrics.path} is also servers[${host.index}].health_path`);
    host.metricsPath = http.metrics.path;
  }
  config.clients = Object.entries(http.clients).map(([name, client]) => loadClient(httpYaml, name, client));
  return config;
}
