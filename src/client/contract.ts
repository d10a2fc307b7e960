// http.Client's defaults and failure messages, read from the file the Python
// package reads too (python/siphon/client_contract.json), so the two
// languages cannot disagree on a default or on what a failure says.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { PYTHON_PACKAGE_DIR } from '../addon/addon';

// The kind picks the exception class a script sees (python/siphon/_client_errors.py).
export type FailureKind = 'connect' | 'timeout' | 'tls' | 'unknown_client' | 'error';

export interface Failure {
  kind: FailureKind;
  message: string;
}

export type FailureName =
  | 'timeout' | 'refused' | 'unreachable_host' | 'unreachable_network' | 'unresolved'
  | 'closed_before_response' | 'closed_before_body' | 'tls' | 'too_large' | 'malformed'
  | 'too_many_redirects' | 'redirect_loop' | 'failed' | 'invalid_url' | 'unreadable_file' | 'no_such_client';

interface ContractFile {
  default_timeout_ms: number;
  inline_pool_size: number;
  max_redirects: number;
  max_response_mib: number;
  failures: Record<FailureName, { kind: FailureKind; text: string }>;
}

export const CONTRACT_FILE = path.join(PYTHON_PACKAGE_DIR, 'siphon', 'client_contract.json');

const contract = JSON.parse(fs.readFileSync(CONTRACT_FILE, 'utf8')) as ContractFile;

export const DEFAULT_TIMEOUT_MS = contract.default_timeout_ms;
export const INLINE_POOL_SIZE = contract.inline_pool_size;
export const MAX_REDIRECTS = contract.max_redirects;
export const MAX_RESPONSE_MIB = contract.max_response_mib;

// The failure `name` with its {field} placeholders filled.
export function failure(name: FailureName, fields: Record<string, string | number>): Failure {
  const entry = contract.failures[name];
  const message = entry.text.replace(/\{(\w+)\}/g, (_, field: string) => String(fields[field] ?? `{${field}}`));
  return { kind: entry.kind, message };
}
