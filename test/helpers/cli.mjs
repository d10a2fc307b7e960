// Runs command-line clients (curl, openssl, h2load) the way a user would.
import { spawn } from 'node:child_process';

export function run(command, args, { input, timeoutMs = 20000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

// curl with -s, printing the HTTP version and status after the body.
export async function curl(args) {
  const result = await run('curl', ['-s', '-S', '--max-time', '10', '-w', '\n%{http_version} %{http_code}', ...args]);
  const cut = result.stdout.lastIndexOf('\n');
  const [version, status] = result.stdout.slice(cut + 1).split(' ');
  return { ...result, body: result.stdout.slice(0, cut), version, status: Number(status) };
}

// openssl s_client handshake; `ok` when a session was established and a GET answered.
export async function sClient(hostPort, extra = []) {
  const result = await run('openssl', ['s_client', '-connect', hostPort, '-servername', 'localhost', '-ign_eof', ...extra], {
    input: 'GET /count HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
  });
  const text = result.stdout + result.stderr;
  return { ...result, text, answered: /HTTP\/1\.1 \d{3}/.test(text) };
}
