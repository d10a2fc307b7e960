// The shape of siphon.yaml and http.yaml, with defaults (docs/configuration.md).
// Key names match the siphon SIP server's config and must not change.
import { z } from 'zod';

import { DEFAULT_TIMEOUT_MS } from '../client/contract';
import { parseListen } from './listen';

const positiveInt = z.number().int().positive();

export const siphonSchema = z.strictObject({
  script: z.strictObject({
    path: z.string().min(1),
    reload: z.enum(['auto', 'sighup']).default('auto'),
    sync_pool_size: positiveInt.optional(),
    sync_pool_max: positiveInt.optional(),
    async_pool_size: positiveInt.optional(),
    executor_queue_capacity: positiveInt.default(1024),
    handler_stall_abort_secs: z.number().nonnegative().default(30),
    processes: z.union([positiveInt, z.literal('auto')]).default(1),
    shutdown_grace_ms: z.number().int().nonnegative().default(25000),
    python: z.strictObject({ venv: z.string().min(1).optional() }).optional(),
    include_paths: z.array(z.string().min(1)).default([]),
  }),
  log: z
    .strictObject({
      level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
      format: z.enum(['pretty', 'json']).default('pretty'),
      access: z.boolean().default(false),
      file: z.string().min(1).optional(),
    })
    .default({ level: 'info', format: 'pretty', access: false }),
  extensions: z.strictObject({ http: z.string().min(1).optional() }).default({}),
});

const listen = z.string().superRefine((text, ctx) => {
  const parsed = parseListen(text);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

const serverSchema = z.strictObject({
  listen,
  tls: z
    .strictObject({
      cert_path: z.string().min(1),
      key_path: z.string().min(1),
      client_ca: z.string().min(1).optional(),
    })
    .optional(),
  max_body_bytes: z.number().int().nonnegative().default(1024 * 1024),
  request_timeout_ms: positiveInt.default(30000),
  max_header_bytes: z.number().int().min(1024).optional(),
  trusted_proxies: z.array(z.string()).default([]),
  http2: z.boolean().default(false),
  health_path: z.string().startsWith('/').optional(),
  routes: z.boolean().default(true),
});

const clientSchema = z.strictObject({
  base_url: z.string().min(1).optional(),
  timeout_ms: positiveInt.default(DEFAULT_TIMEOUT_MS),
  verify: z.string().min(1).optional(),
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  pool_size: positiveInt.default(8),
  http2_prior_knowledge: z.boolean().default(false),
  follow_redirects: z.boolean().default(true),
});

export const httpSchema = z.strictObject({
  servers: z.array(serverSchema).default([]),
  clients: z.record(z.string(), clientSchema).default({}),
  max_header_bytes: z.number().int().min(1024).default(16384),
  metrics: z
    .strictObject({
      path: z.string().startsWith('/').default('/metrics'),
      listen: z.string(),
    })
    .optional(),
});

export type SiphonYaml = z.output<typeof siphonSchema>;
export type HttpYaml = z.output<typeof httpSchema>;
export type ServerYaml = z.output<typeof serverSchema>;
export type ClientYaml = z.output<typeof clientSchema>;

// Every top-level key the siphon SIP server (siphon-sip) knows. Those this
// binary does not serve (not in siphonSchema) are accepted with one warning,
// so a siphon.yaml written for it loads here unchanged.
export const SIP_SERVER_KEYS = [
  'listen', 'domain', 'script', 'registrar', 'auth', 'log', 'advertised_address', 'tls', 'security', 'nat',
  'tracing', 'metrics', 'admin', 'control', 'server', 'transaction', 'memory', 'dialog', 'cache', 'media',
  'gateway', 'session_timer', 'numbering', 'number_policies', 'cdr', 'registrant', 'lawful_intercept',
  'diameter', 'ipsec', 'stir', 'isc', 'sbi', 'lcr', 'srs', 'subscribe_state', 'rf', 'ro', 'extensions',
] as const;
