// uWebSockets.js must be its native binary: its package falls back to a slow
// pure-JS server when the binary does not load, and siphon refuses that.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { ROOT, tempDir } from './helpers/siphon.mjs';

const require = createRequire(import.meta.url);
const { loadUws, uwsBinaryPath } = require(path.join(ROOT, 'dist', 'uws.js'));

describe('uWebSockets.js binary', () => {
  it('loads the native binary for this Node ABI', () => {
    const { uws, binary } = loadUws();
    assert.equal(path.extname(binary), '.node');
    assert.equal(typeof uws.App, 'function');
    assert.equal(typeof uws.LIBUS_LISTEN_EXCLUSIVE_PORT, 'number');
  });

  it('refuses a package whose binary is missing instead of using the JS fallback', () => {
    const fake = tempDir('uws-');
    fs.mkdirSync(path.join(fake, 'binaries'));
    fs.writeFileSync(path.join(fake, 'package.json'), '{}');
    assert.throws(() => loadUws(fake), /no native binary for this platform .* will not run on its pure-JS fallback/);
  });

  it('refuses a binary that does not load', () => {
    const fake = tempDir('uws-');
    fs.mkdirSync(path.join(fake, 'binaries'));
    fs.writeFileSync(uwsBinaryPath(fake), 'not an ELF file');
    assert.throws(() => loadUws(fake), /cannot load uWebSockets\.js native binary .*pure-JS fallback/);
  });
});
