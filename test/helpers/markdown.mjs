// Fenced code blocks from Markdown docs, with the prose just above each, so
// tests can run or check what the docs show.
import * as fs from 'node:fs';

// [{ lang, code, line, before }] for every ``` block; `before` is the last
// non-blank prose line above the block, `line` the block's first code line (1-based).
export function fencedBlocks(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const blocks = [];
  let open = null;
  let before = '';
  lines.forEach((text, index) => {
    const fence = /^```(\S*)\s*$/.exec(text);
    if (open) {
      if (/^```\s*$/.test(text)) {
        blocks.push({ ...open, code: open.code.join('\n') + '\n' });
        open = null;
      } else {
        open.code.push(text);
      }
    } else if (fence) {
      open = { lang: fence[1], code: [], line: index + 2, before };
    } else if (text.trim() !== '') {
      before = text.trim();
    }
  });
  return blocks;
}

// Shell commands in ```sh blocks: continuation lines joined, comments dropped.
export function shellCommands(file) {
  const commands = [];
  for (const block of fencedBlocks(file)) {
    if (!['sh', 'bash', 'shell', 'console'].includes(block.lang)) continue;
    for (const line of block.code.replace(/\\\n\s*/g, ' ').split('\n')) {
      const text = line.replace(/^\$\s+/, '').replace(/\s+#.*$/, '').trim();
      if (text && !text.startsWith('#')) commands.push(text);
    }
  }
  return commands;
}
