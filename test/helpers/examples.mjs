// Runs an example from examples/<name> exactly as its README line says, from
// the repository root, on an ephemeral port.
import { ROOT, startWithArgs } from './siphon.mjs';

export function startExample(name, env = {}) {
  return startWithArgs(['-c', `examples/${name}/siphon.yaml`], {
    cwd: ROOT,
    env: { SIPHON_LISTEN: '127.0.0.1:0', SIPHON_LOG_FORMAT: 'json', ...env },
  });
}
