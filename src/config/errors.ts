// Config errors carry where the user must look: the file, the key path as
// written in YAML (servers[1].tls.cert_path) and the line:column.
export interface ConfigProblem {
  keyPath: string;
  line?: number;
  col?: number;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(file: string, problem: ConfigProblem): string {
  const where = problem.line !== undefined ? `${file}:${problem.line}:${problem.col ?? 1}` : file;
  const key = problem.keyPath ? `${problem.keyPath}: ` : '';
  return `${where}: ${key}${problem.message}`;
}

export function formatKeyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
