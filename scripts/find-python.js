#!/usr/bin/env node
// Locates the CPython the addon embeds: SIPHON_PYTHON, else `python3` on PATH.
// Both build systems (CMakeLists.txt, binding.gyp) ask this one script, so they
// cannot disagree about headers, libpython or the free-threaded flag.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const probe = `
import json, os, sys, sysconfig
v = sysconfig.get_config_var
libdir = v('LIBDIR') or ''
names = [n for n in (v('INSTSONAME'), v('LDLIBRARY')) if n]
lib = next((os.path.join(libdir, n) for n in names if os.path.exists(os.path.join(libdir, n))), '')
if not lib and v('MULTIARCH'):
    alt = os.path.join(libdir, v('MULTIARCH'))
    lib = next((os.path.join(alt, n) for n in names if os.path.exists(os.path.join(alt, n))), '')
print(json.dumps({
    'executable': os.path.realpath(sys.executable),
    'version': '%d.%d' % sys.version_info[:2],
    'include': sysconfig.get_paths()['include'],
    'libdir': os.path.dirname(lib) if lib else libdir,
    'library': lib,
    'shared': bool(v('Py_ENABLE_SHARED')),
    'gil_disabled': bool(v('Py_GIL_DISABLED')),
}))
`;

function fail(message) {
  process.stderr.write(`siphon build: ${message}\n`);
  process.exit(1);
}

function locate() {
  const interpreter = process.env.SIPHON_PYTHON || 'python3';
  let info;
  try {
    info = JSON.parse(execFileSync(interpreter, ['-c', probe], { encoding: 'utf8' }));
  } catch (err) {
    fail(`cannot run the Python interpreter '${interpreter}' (${err.message.split('\n')[0]}). ` +
      'Install python3 (Debian: apt-get install python3) or point SIPHON_PYTHON at one.');
  }
  const minor = info.version;
  if (!fs.existsSync(path.join(info.include, 'Python.h'))) {
    fail(`Python ${minor} headers not found (no Python.h in ${info.include}). ` +
      `Debian: apt-get install python${minor}-dev (or python3-dev).`);
  }
  if (!info.library || !info.shared) {
    fail(`no shared libpython${minor} for ${info.executable} (looked in ${info.libdir}). ` +
      `Debian: apt-get install libpython${minor}-dev; pyenv: build with PYTHON_CONFIGURE_OPTS=--enable-shared.`);
  }
  return info;
}

const info = locate();
const what = process.argv[2] || 'json';
if (what === 'json') process.stdout.write(JSON.stringify(info) + '\n');
else if (what === 'cmake') {
  // CMake reads this through execute_process + string(JSON ...) is 3.19+; emit a -D file instead.
  for (const [key, value] of Object.entries(info)) {
    process.stdout.write(`set(SIPHON_PY_${key.toUpperCase()} "${String(value === true ? 'ON' : value === false ? 'OFF' : value)}")\n`);
  }
} else if (what in info) process.stdout.write(String(info[what]));
else fail(`unknown field '${what}'`);
