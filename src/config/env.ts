// ${VAR} and ${VAR:-default} in every string value of both YAML files.
// `$${` writes a literal `${`.
const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}/g;

export class MissingVariableError extends Error {
  constructor(readonly variable: string) {
    super(`environment variable ${variable} is not set (use \${${variable}:-default} for a fallback)`);
  }
}

export function hasReference(text: string): boolean {
  return text.includes('${');
}

export function expandEnv(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(PATTERN, (match: string, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const value = env[name as string];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    if (value !== undefined) return value;
    throw new MissingVariableError(name as string);
  });
}
