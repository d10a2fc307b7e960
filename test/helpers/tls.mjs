// Test PKI made with the openssl CLI: a CA, server certificates for
// 127.0.0.1/localhost, client certificates, expired and foreign ones.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { tempDir } from './siphon.mjs';

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

// Returns { dir, path(name), read(name) } with ca.crt/key, server.crt/key,
// client.crt/key (+ client.pem combined), and the extras asked for.
export function makePki({ cn = 'siphon test CA', extras = [] } = {}) {
  const dir = tempDir('pki-');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${cn}`], dir);
  issue(dir, 'server', { cn: 'localhost', san: 'DNS:localhost,IP:127.0.0.1,IP:::1', usage: 'serverAuth' });
  issue(dir, 'client', { cn: 'trusted-client', usage: 'clientAuth' });
  fs.writeFileSync(path.join(dir, 'client.pem'), fs.readFileSync(path.join(dir, 'client.crt'), 'utf8') + fs.readFileSync(path.join(dir, 'client.key'), 'utf8'));
  for (const extra of extras) issue(dir, extra.name, extra);
  return {
    dir,
    path: (name) => path.join(dir, name),
    read: (name) => fs.readFileSync(path.join(dir, name)),
  };
}

// Signs <name>.crt with the CA in `dir` (or self-signs with selfSigned).
// `days: -1` makes an expired certificate (valid from 2 days ago to yesterday).
export function issue(dir, name, { cn = name, san, usage = 'clientAuth', days = 2, expired = false, selfSigned = false } = {}) {
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  const ext = [`extendedKeyUsage=${usage}`];
  if (san) ext.push(`subjectAltName=${san}`);
  fs.writeFileSync(path.join(dir, `${name}.ext`), `${ext.join('\n')}\n`);
  if (expired) {
    // openssl x509 has no -not_before before 3.x's `ca`; a tiny CA db does it.
    fs.writeFileSync(path.join(dir, 'index.txt'), '');
    fs.writeFileSync(path.join(dir, 'serial'), '1000\n');
    fs.writeFileSync(
      path.join(dir, 'ca.cnf'),
      `[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nserial=serial\nnew_certs_dir=.\ndefault_md=sha256\npolicy=p\ncopy_extensions=copy\n[p]\ncommonName=supplied\n`,
    );
    openssl(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key', '-in', `${name}.csr`, '-out', `${name}.crt`, '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-extfile', `${name}.ext`, '-notext'], dir);
    return;
  }
  const signer = selfSigned ? ['-signkey', `${name}.key`] : ['-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'];
  openssl(['x509', '-req', '-in', `${name}.csr`, ...signer, '-out', `${name}.crt`, '-days', String(days), '-extfile', `${name}.ext`], dir);
}
