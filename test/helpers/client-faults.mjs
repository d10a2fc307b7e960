// Broken upstreams for the outbound-client fault suite (test/77): a raw TCP
// server that answers each request path with byte-exact misbehaviour, TLS
// servers presenting bad certificates, and a TLS port that never handshakes.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// Serves connections with `behaviours[name](socket, head)`, `name` being the
// first path segment of each request. Sockets are tracked so close() is prompt
// even for the ones a behaviour keeps open forever.
export async function rawUpstream(behaviours) {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    const onData = (chunk) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const target = head.split(' ')[1] ?? '/';
      const name = target.split('/')[1]?.split('?')[0] ?? '';
      const behaviour = behaviours[name];
      if (behaviour) behaviour(socket, head.slice(0, end));
      else socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    };
    socket.on('data', onData);
  });
  await listen(server);
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    port: server.address().port,
    connections: () => sockets.size,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// An HTTPS server presenting `<name>.crt` from `pki` and answering 200.
export async function certUpstream(pki, name) {
  const server = https.createServer({ key: pki.read(`${name}.key`), cert: pki.read(`${name}.crt`) }, (req, res) => res.end('secure'));
  await listen(server);
  return { url: `https://127.0.0.1:${server.address().port}`, close: () => closeAll(server) };
}

// Accepts TCP on what the client believes is a TLS port and never says a word.
export async function silentUpstream() {
  return rawUpstream({});
}

// A certificate signed by the PKI's CA whose validity starts in the future
// (the openssl 3.0 CLI cannot back- or forward-date; python3-cryptography can).
export function issueNotYetValid(pki, name, san = ['localhost', '127.0.0.1']) {
  const program = [
    'import datetime, ipaddress, sys',
    'from cryptography import x509',
    'from cryptography.hazmat.primitives import hashes, serialization',
    'from cryptography.hazmat.primitives.asymmetric import ec',
    'from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID',
    'dir, name, *san = sys.argv[1:]',
    'ca_key = serialization.load_pem_private_key(open(f"{dir}/ca.key", "rb").read(), None)',
    'ca = x509.load_pem_x509_certificate(open(f"{dir}/ca.crt", "rb").read())',
    'key = ec.generate_private_key(ec.SECP256R1())',
    'start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=365)',
    'names = [x509.IPAddress(ipaddress.ip_address(s)) if s[0].isdigit() else x509.DNSName(s) for s in san]',
    'cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))',
    '    .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())',
    '    .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=2))',
    '    .add_extension(x509.SubjectAlternativeName(names), critical=False)',
    '    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)',
    '    .sign(ca_key, hashes.SHA256()))',
    'open(f"{dir}/{name}.crt", "wb").write(cert.public_bytes(serialization.Encoding.PEM))',
    'open(f"{dir}/{name}.key", "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))',
  ].join('\n');
  const file = path.join(pki.dir, 'not_yet_valid.py');
  fs.writeFileSync(file, program);
  // Debian's python3-cryptography is installed for /usr/bin/python3 only.
  execFileSync('/usr/bin/python3', [file, pki.dir, name, ...san], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function closeAll(server) {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}
