// A small Dockerfile reader (stages, instructions) and a .dockerignore
// matcher, enough for the repository's own Dockerfile: tests replay its
// commands and check its COPY/ENV/EXPOSE/ENTRYPOINT lines.
import * as path from 'node:path';

// [{ image, name, instructions: [{ op, args, line }] }]
export function parseDockerfile(text) {
  const stages = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*#/.test(line)) return; // comments and parser directives, also inside continuations
    if (!pending) startLine = index + 1;
    if (/\\\s*$/.test(line)) {
      pending += `${line.replace(/\\\s*$/, '')} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    if (!full) return;
    const match = /^(\w+)\s+([\s\S]*)$/.exec(full);
    if (!match) throw new Error(`Dockerfile line ${startLine}: cannot parse '${full}'`);
    const op = match[1].toUpperCase();
    const args = match[2].trim();
    if (op === 'FROM') {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ image: from[1], name: from[2] ?? String(stages.length), instructions: [], line: startLine });
      return;
    }
    if (stages.length === 0) {
      if (op === 'ARG') return;
      throw new Error(`Dockerfile line ${startLine}: ${op} before FROM`);
    }
    stages.at(-1).instructions.push({ op, args, line: startLine });
  });
  return stages;
}

// ["a", "b"] exec form, or null for the shell form.
export function execForm(args) {
  return args.startsWith('[') ? JSON.parse(args) : null;
}

// ENV K=V K2="V 2"  (or the legacy ENV K V)
export function parseEnv(args) {
  if (!/^[^\s=]+=/.test(args)) {
    const [key, ...rest] = args.split(/\s+/);
    return { [key]: rest.join(' ') };
  }
  const env = {};
  for (const match of args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
    let value = match[2];
    if (value.startsWith('"')) value = JSON.parse(value);
    else if (value.startsWith("'")) value = value.slice(1, -1);
    env[match[1]] = value;
  }
  return env;
}

// COPY [--from=stage] src... dest
export function parseCopy(args) {
  const words = args.split(/\s+/);
  const flags = {};
  while (words[0]?.startsWith('--')) {
    const [key, value] = words.shift().slice(2).split('=');
    flags[key] = value ?? true;
  }
  const dest = words.pop();
  return { flags, sources: words, dest };
}

function globToRegExp(pattern) {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      if (pattern[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

// (relativePath) => true when .dockerignore keeps it out of the build context.
// A pattern that matches a folder excludes everything in it; `!` re-includes.
export function dockerignore(text) {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = path.posix.normalize((negate ? l.slice(1) : l).replace(/^\/+/, ''));
      return { negate, re: globToRegExp(pattern) };
    });
  return (relative) => {
    const parts = relative.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) {
      if (prefixes.some((p) => rule.re.test(p))) ignored = !rule.negate;
    }
    return ignored;
  };
}
