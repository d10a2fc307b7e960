// Mutated requests for the fuzz run (issue 8): zzuf's bit flips over the
// corpus of valid requests in test/fuzz/corpus (byte-exact, CRLF line ends).
//
// One zzuf process per batch, not per request: a batch is many corpus
// entries joined by a 0x01 byte that zzuf is told neither to change (-P) nor
// to produce (-R), so the mutated buffer splits back into exactly as many
// requests. The cost: no mutated request ever carries 0x01 (0x00 and every
// other byte do). zzuf picks one ratio per seed from the -r range, so every
// batch is mutated at its own density; a batch is reproduced by its seed.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'corpus');
const SEPARATOR = 0x01;

// [{ name, bytes, requests }]: `requests` is how many requests the entry holds
// (keep-alive pairs and pipelines hold several).
export function loadCorpus(dir = CORPUS_DIR) {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.http'))
    .sort()
    .map((name) => {
      const bytes = fs.readFileSync(path.join(dir, name));
      if (bytes.includes(SEPARATOR)) throw new Error(`${name} holds the batch separator 0x01`);
      const requests = bytes.toString('latin1').match(/^[A-Z]+ \S+ HTTP\/1\.1\r$/gm).length;
      return { name, bytes, requests };
    });
}

function zzuf(input, seed, ratio) {
  return new Promise((resolve, reject) => {
    const child = spawn('zzuf', ['-s', String(seed), '-r', ratio, '-P', '\\001', '-R', '\\001'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    let err = '';
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`zzuf exited ${code}: ${err}`))));
    child.stdin.end(input);
  });
}

// `size` mutated copies of corpus entries (round-robin from `first`), as
// [{ entry, bytes }], mutated by zzuf with `seed`.
export async function mutatedBatch(corpus, { seed, ratio, size, first = 0 }) {
  const entries = Array.from({ length: size }, (_, i) => corpus[(first + i) % corpus.length]);
  const joined = Buffer.concat(entries.flatMap((e) => [e.bytes, Buffer.of(SEPARATOR)]));
  const mutated = await zzuf(joined, seed, ratio);
  const pieces = [];
  let start = 0;
  for (let at = mutated.indexOf(SEPARATOR); at >= 0; at = mutated.indexOf(SEPARATOR, start)) {
    pieces.push(mutated.subarray(start, at));
    start = at + 1;
  }
  if (pieces.length !== size || start !== mutated.length) throw new Error(`zzuf seed ${seed}: ${pieces.length} pieces for ${size} requests`);
  return pieces.map((bytes, i) => ({ entry: entries[i], bytes }));
}
