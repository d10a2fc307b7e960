// Reads a YAML file into a document that remembers where every value came
// from, expands environment references, and validates it against a zod
// schema, turning each issue into a ConfigProblem with key path and line:col.
import * as fs from 'node:fs';
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, Node, parse, parseDocument, Scalar, visit } from 'yaml';
import { z } from 'zod';

import { expandEnv, hasReference, MissingVariableError } from './env';
import { ConfigError, ConfigProblem, formatKeyPath } from './errors';
import { suggest } from './suggest';

export class YamlFile {
  private constructor(
    readonly file: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  static read(file: string): YamlFile {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : String(err);
      throw new ConfigError(file, [{ keyPath: '', message: `cannot read config: ${why}` }]);
    }
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new ConfigError(
        file,
        doc.errors.map((e) => {
          const pos = lines.linePos(e.pos[0]);
          return { keyPath: '', line: pos.line, col: pos.col, message: `invalid YAML: ${e.message.split('\n')[0]}` };
        }),
      );
    }
    const yaml = new YamlFile(file, doc, lines);
    yaml.expandEnvironment();
    return yaml;
  }

  position(offset: number | undefined): { line?: number; col?: number } {
    if (offset === undefined) return {};
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  // Where the value at `path` starts (or, with `key`, where that key is written).
  locate(path: ReadonlyArray<PropertyKey>, key?: string): { line?: number; col?: number } {
    const node = path.length === 0 ? this.doc.contents : this.doc.getIn(path as unknown[], true);
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
      if (pair && isScalar(pair.key)) return this.position(pair.key.range?.[0]);
    }
    if (node && typeof node === 'object' && 'range' in node) {
      return this.position((node as Node).range?.[0]);
    }
    return path.length > 0 ? this.locate(path.slice(0, -1)) : {};
  }

  problem(path: ReadonlyArray<PropertyKey>, message: string): ConfigProblem {
    return { keyPath: formatKeyPath(path), ...this.locate(path), message };
  }

  fail(path: ReadonlyArray<PropertyKey>, message: string): never {
    throw new ConfigError(this.file, [this.problem(path, message)]);
  }

  // Top-level keys, for the SIP-server compatibility pass.
  topLevelKeys(): string[] {
    const contents = this.doc.contents;
    if (!isMap(contents)) return [];
    return contents.items.map((item) => (isScalar(item.key) ? String(item.key.value) : '')).filter(Boolean);
  }

  deleteIn(path: ReadonlyArray<PropertyKey>): void {
    this.doc.deleteIn(path as unknown[]);
  }

  validate<S extends z.ZodType>(schema: S): z.output<S> {
    const raw = this.doc.toJS() ?? {};
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    const problems = result.error.issues.slice(0, 10).map((issue) => this.describeIssue(schema, issue, raw));
    throw new ConfigError(this.file, problems);
  }

  private describeIssue(schema: z.ZodType, issue: z.core.$ZodIssue, raw: unknown): ConfigProblem {
    const path = issue.path as PropertyKey[];
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0];
      const known = knownKeys(schema, path);
      const hint = suggest(key, known);
      const message =
        `unknown key '${key}'` +
        (hint ? ` (did you mean '${hint}'?)` : known.length ? ` (expected one of: ${known.join(', ')})` : '');
      return { keyPath: formatKeyPath([...path, key]), ...this.locate(path, key), message };
    }
    return this.problem(path, describeMessage(issue, valueAt(raw, path)));
  }

  private expandEnvironment(): void {
    const problems: ConfigProblem[] = [];
    visit(this.doc, {
      Scalar: (_key, node: Scalar, visitPath) => {
        if (typeof node.value !== 'string' || !hasReference(node.value)) return;
        try {
          const expanded = expandEnv(node.value);
          node.value = node.type === Scalar.PLAIN ? retype(expanded) : expanded;
        } catch (err) {
          if (!(err instanceof MissingVariableError)) throw err;
          problems.push({
            keyPath: formatKeyPath(pathOf(visitPath, node)),
            ...this.position(node.range?.[0]),
            message: err.message,
          });
        }
      },
    });
    if (problems.length > 0) throw new ConfigError(this.file, problems);
  }
}

// An unquoted `${PORT}` that expands to 8080 is the number 8080, as if written so.
function retype(text: string): unknown {
  try {
    const value: unknown = parse(text);
    return typeof value === 'number' || typeof value === 'boolean' ? value : text;
  } catch {
    return text;
  }
}

function pathOf(visitPath: readonly unknown[], node: Scalar): PropertyKey[] {
  const out: PropertyKey[] = [];
  const chain = [...visitPath, node];
  for (let i = 1; i < chain.length; i++) {
    const parent = chain[i - 1];
    const child = chain[i];
    if (isPair(parent) && isScalar(parent.key) && parent.value === child) out.push(String(parent.key.value));
    if (isSeq(parent)) out.push(parent.items.indexOf(child as Node));
  }
  return out;
}

function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current = raw;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function describeMessage(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? `required (${issue.expected})` : `expected ${issue.expected}, got ${typeName(value)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

// Keys an object schema accepts at `path`, for suggestions.
function knownKeys(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let current: z.core.$ZodType | undefined = unwrap(schema);
  for (const part of path) {
    if (!current) return [];
    const def = current._zod.def as unknown as Record<string, unknown>;
    if (def.type === 'object' && typeof part === 'string') current = unwrap((def.shape as Record<string, z.core.$ZodType>)[part]);
    else if (def.type === 'array') current = unwrap(def.element as z.core.$ZodType);
    else if (def.type === 'record') current = unwrap(def.valueType as z.core.$ZodType);
    else return [];
  }
  const def = current?._zod.def as unknown as Record<string, unknown> | undefined;
  return def && def.type === 'object' ? Object.keys(def.shape as object) : [];
}

function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let current = schema;
  for (let i = 0; current && i < 10; i++) {
    const def = current._zod.def as unknown as Record<string, unknown>;
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') {
      current = def.innerType as z.core.$ZodType;
    } else if (def.type === 'pipe') {
      current = def.in as z.core.$ZodType;
    } else {
      return current;
    }
  }
  return current;
}
