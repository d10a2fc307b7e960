// Runs an example from examples/<name> exactly as its README line says, from
// the repository root, on an ephemeral port.
import { ROOT, spawnSiphon } from './siphon.mjs';

export async function startExample(name, env = {}) {
  const proc = spawnSiphon(['-c', `examples/${name}/siphon.yaml`], {
    cwd: ROOT,
    env: { SIPHON_LISTEN: '127.0.0.1:0', SIPHON_LOG_FORMAT: 'json', ...env },
  });
  try {
    await proc.ready();
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
  return proc;
}
