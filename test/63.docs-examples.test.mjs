// The code in the docs (README.md, docs/*.md) is real:
// - a ```python block whose first line names a file of the repository
//   (`# examples/rest/notes.py`) is a quote: it must appear verbatim in that
//   file, which its own tests run; a ```yaml quote may instead equal the whole
//   file once parsed (comments left out);
// - a complete script (imports siphon, registers routes or hooks) is written
//   to a temp project and served by the real siphon: it must start, and every
//   route it registers must answer each of its methods without a 5xx or an
//   error line (named http.Client()s get a client whose upstream refuses);
// - a complete pytest file (the docs' test_*.py) runs with pytest beside the
//   doc's scripts;
// - any other python block is a fragment: it must compile (top-level await allowed);
// - `siphon -c <file>` commands name config files that exist, and every
//   example folder the cookbook points at has its configs, a pytest file and
//   an end-to-end test.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import YAML from 'yaml';

import { request } from './helpers/http.mjs';
import { fencedBlocks, shellCommands } from './helpers/markdown.mjs';
import { runPython } from './helpers/python.mjs';
import { ROOT, startSiphon, tempDir } from './helpers/siphon.mjs';

const DOCS = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

function classify(block) {
  const first = block.code.split('\n')[0];
  const quoted = /^#\s+(\S+)$/.exec(first)?.[1];
  if (quoted && quoted.includes('/') && fs.existsSync(path.join(ROOT, quoted))) return { kind: 'quote', file: quoted };
  if (block.lang !== 'python') return { kind: 'other' };
  const name = (/^#\s+(\S+\.py)$/.exec(first)?.[1]) ?? [...block.before.matchAll(/`([\w.-]+\.py)`/g)].at(-1)?.[1];
  if (/^\s*def test_/m.test(block.code) && /^(import pytest|from siphon\.testing import)/m.test(block.code)) return { kind: 'pytest', name };
  if (/^from siphon import/m.test(block.code) && /^@http\.(route|middleware|on_startup|on_shutdown)\b/m.test(block.code)) return { kind: 'script', name: name ?? 'script.py' };
  return { kind: 'fragment' };
}

const blocks = DOCS.flatMap((doc) => fencedBlocks(path.join(ROOT, doc)).map((block) => ({ doc, ...block, ...classify(block) })));
const where = (b) => `${b.doc}:${b.line}`;

// Each route's methods and a concrete path for its pattern.
function routesOf(code) {
  const routes = [];
  for (const match of code.matchAll(/@http\.route\(\s*"([^"]+)"(?:\s*,\s*methods\s*=\s*\[([^\]]*)\])?/g)) {
    const methods = match[2] ? [...match[2].matchAll(/"(\w+)"/g)].map((m) => m[1]) : ['GET'];
    const concrete = match[1].replace(/\{\*\w+\}/g, 'a/b').replace(/\{\w+\}/g, 'x1');
    routes.push({ pattern: match[1], path: concrete, methods });
  }
  return routes;
}

describe('code in the docs', () => {
  it('finds the code blocks', () => {
    const kinds = blocks.reduce((acc, b) => ({ ...acc, [b.kind]: (acc[b.kind] ?? 0) + 1 }), {});
    assert.ok(kinds.script >= 3, `complete scripts: ${kinds.script}`);
    assert.ok(kinds.quote >= 10, `quotes: ${kinds.quote}`);
    assert.ok(kinds.pytest >= 1, `pytest files: ${kinds.pytest}`);
  });

  it('quotes match the files they name', () => {
    for (const block of blocks.filter((b) => b.kind === 'quote')) {
      const body = block.code.split('\n').slice(1).join('\n').replace(/\n$/, '');
      const file = fs.readFileSync(path.join(ROOT, block.file), 'utf8');
      if (file.includes(body)) continue;
      assert.ok(/\.ya?ml$/.test(block.file), `${where(block)}: the quote of ${block.file} is not in that file:\n${body}`);
      assert.deepEqual(YAML.parse(body), YAML.parse(file), `${where(block)}: ${block.file} says otherwise`);
    }
  });

  it('fragments compile', () => {
    const fragments = blocks.filter((b) => b.kind === 'fragment').map((b) => ({ where: where(b), code: b.code }));
    const dir = tempDir('fragments-');
    fs.writeFileSync(path.join(dir, 'fragments.json'), JSON.stringify(fragments));
    fs.writeFileSync(
      path.join(dir, 'check.py'),
      [
        'import ast, json, sys',
        'for item in json.load(open(sys.argv[1])):',
        '    try:',
        '        compile(item["code"], item["where"], "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)',
        '    except SyntaxError as exc:',
        '        print(item["where"], exc)',
      ].join('\n'),
    );
    const result = runPython([path.join(dir, 'check.py'), path.join(dir, 'fragments.json')]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), '', 'fragments that do not compile');
  });

  for (const block of blocks.filter((b) => b.kind === 'script')) {
    it(`${where(block)}: ${block.name} serves its routes`, async () => {
      const clients = [...new Set([...block.code.matchAll(/http\.Client\("(\w+)"\)/g)].map((m) => m[1]))];
      // Port 1 on loopback refuses at once: outbound calls fail fast with ConnectError.
      const clientYaml = clients.length ? `clients:\n${clients.map((c) => `  ${c}:\n    base_url: http://127.0.0.1:1\n    timeout_ms: 1000\n`).join('')}` : '';
      const name = block.name;
      const siphon = await startSiphon({
        script: '',
        files: { [name]: block.code },
        siphon: `script:\n  path: ${name}\nlog:\n  format: json\nextensions:\n  http: http.yaml\n`,
        http: `servers:\n  - listen: "127.0.0.1:0"\n${clientYaml}`,
      });
      try {
        const routes = routesOf(block.code);
        assert.ok(routes.length > 0, 'the script registers routes');
        for (const route of routes) {
          for (const method of route.methods) {
            const res = await request(`${siphon.url}${route.path}`, { method, body: ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined });
            assert.ok(res.status < 500, `${method} ${route.path} (${route.pattern}) answered ${res.status}:\n${siphon.logText()}`);
          }
        }
        const errors = siphon.logs.filter((l) => l.level === 'error');
        assert.deepEqual(errors, [], siphon.logText());
      } finally {
        assert.equal((await siphon.stop()).code, 0);
      }
    });
  }

  it('the docs\' pytest files pass beside the docs\' scripts', () => {
    for (const doc of DOCS) {
      const tests = blocks.filter((b) => b.doc === doc && b.kind === 'pytest');
      if (tests.length === 0) continue;
      const dir = tempDir('doc-pytest-');
      for (const block of blocks.filter((b) => b.doc === doc && (b.kind === 'script' || b.kind === 'pytest'))) {
        assert.ok(block.name, `${where(block)}: name the file in the line above the block`);
        fs.writeFileSync(path.join(dir, block.name), block.code);
      }
      const result = runPython(['-m', 'pytest', '-q', '-p', 'no:cacheprovider', dir], { cwd: dir });
      assert.equal(result.status, 0, `${doc}: pytest failed:\n${result.stdout}${result.stderr}`);
      assert.match(result.stdout, / passed/);
    }
  });

  it('`siphon -c` commands name config files that exist', () => {
    let checked = 0;
    for (const doc of DOCS) {
      for (const command of shellCommands(path.join(ROOT, doc))) {
        const match = /\bsiphon\s+(?:--check\s+)?-c\s+(\S+)/.exec(command);
        if (!match || !match[1].includes('/') || match[1].startsWith('/') || match[1].includes('<')) continue; // repository paths only
        assert.ok(fs.existsSync(path.join(ROOT, match[1])), `${doc}: ${command}`);
        checked += 1;
      }
    }
    assert.ok(checked >= 5, `checked ${checked} commands`);
  });

  it('every cookbook example has its configs, a pytest file and an end-to-end test', () => {
    const cookbook = fs.readFileSync(path.join(ROOT, 'docs', 'cookbook.md'), 'utf8');
    const names = [...new Set([...cookbook.matchAll(/`examples\/([\w-]+)`/g)].map((m) => m[1]))];
    assert.deepEqual(names.sort(), fs.readdirSync(path.join(ROOT, 'examples')).sort(), 'the cookbook covers every example');
    const e2e = fs.readdirSync(path.join(ROOT, 'test')).filter((f) => f.endsWith('.test.mjs')).map((f) => fs.readFileSync(path.join(ROOT, 'test', f), 'utf8')).join('\n');
    for (const name of names) {
      const dir = path.join(ROOT, 'examples', name);
      for (const file of ['siphon.yaml', 'http.yaml']) assert.ok(fs.existsSync(path.join(dir, file)), `examples/${name}/${file}`);
      assert.ok(fs.readdirSync(dir).some((f) => /^test_.*\.py$/.test(f)), `examples/${name} has a pytest file`);
      assert.ok(e2e.includes(`startExample('${name}'`), `a test/*.test.mjs starts examples/${name}`);
      assert.ok(cookbook.includes(`npx siphon -c examples/${name}/siphon.yaml`), `the cookbook shows how to run examples/${name}`);
    }
  });

  it('README.md and docs/index.md link the deployment and cookbook pages', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const index = fs.readFileSync(path.join(ROOT, 'docs', 'index.md'), 'utf8');
    for (const page of ['deployment.md', 'cookbook.md']) {
      assert.ok(readme.includes(`](docs/${page})`), `README.md links docs/${page}`);
      assert.ok(index.includes(`](${page})`), `docs/index.md links ${page}`);
    }
  });
});
