// `siphon --check -c siphon.yaml`: validate the config, import the script,
// print the route table. Runs no hooks and opens no sockets.
import type { SiphonConfig } from './config';
import type { Logger } from './log';
import { PythonRuntime } from './runtime';
import type { ScriptDescription } from './server/routes';
import { scriptError } from './serve';
import { loadUws } from './uws';

export function formatRouteTable(description: ScriptDescription): string {
  const rows = description.routes.map((route) => {
    const methods = route.methods.includes('GET') && !route.methods.includes('HEAD') ? [...route.methods, 'HEAD'] : route.methods;
    return [methods.join(','), route.path, `${route.name} (${route.kind})`];
  });
  const widths = [0, 1].map((col) => Math.max(0, ...rows.map((row) => row[col].length)));
  const lines = rows.map((row) => `  ${row[0].padEnd(widths[0])}  ${row[1].padEnd(widths[1])}  ${row[2]}`);
  const extra = [
    ['middleware', description.middleware],
    ['on_startup', description.startup],
    ['on_shutdown', description.shutdown],
  ] as const;
  for (const [label, names] of extra) {
    if (names.length > 0) lines.push(`${label}: ${names.join(', ')}`);
  }
  return lines.join('\n');
}

export async function check(config: SiphonConfig, log: Logger): Promise<string> {
  const runtime = new PythonRuntime(log);
  const { binary } = loadUws();
  runtime.start({ ...config, script: { ...config.script, syncPoolSize: 1, syncPoolMax: 1, asyncPoolSize: 1 } }, binary);
  const script = await runtime.load(config.script.path).catch((err: unknown) => {
    throw scriptError(config.script.path, err);
  });
  const files = [config.file, config.httpFile].filter(Boolean).join(', ');
  const servers = config.servers.map((s) => `${s.tls ? 'https' : 'http'}://${s.listen}`).join(', ') || 'none';
  return [
    `config OK: ${files}`,
    `servers: ${servers}`,
    `clients: ${config.clients.map((c) => c.name).join(', ') || 'none'}`,
    `script ${config.script.path}: ${script.description.routes.length} route(s)`,
    formatRouteTable(script.description),
  ]
    .filter((line) => line !== '')
    .join('\n');
}
