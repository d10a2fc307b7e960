// Parses Prometheus text exposition with the reference parser
// (prometheus_client, Debian's python3-prometheus-client), not a regex.
import { spawnSync } from 'node:child_process';

const PROGRAM = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    out[family.name] = {"type": family.type, "samples": [
        {"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples]}
print(json.dumps(out))
`;

export function parseMetrics(text) {
  const result = spawnSync('/usr/bin/python3', ['-c', PROGRAM], { input: text, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`not valid Prometheus exposition: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

// The value of the sample `name` (default: the family name) whose labels include `labels`.
export function sample(families, family, labels = {}, name = family) {
  const found = families[family]?.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found ? found.value : NaN;
}
