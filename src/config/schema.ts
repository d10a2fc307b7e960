// The shape of siphon.yaml and http.yaml, with defaults (docs/configuration.md).
// Key names match the siphon SIP server's config and must not change.
import { z } from 'zod';

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
  }),
  log: z
    .strictObject({
      level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
      format: z.enum(['pretty', 'json']).default('pretty'),
      access: z.boolean().default(false),
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
  timeout_ms: positiveInt.default(5000),
  verify: z.string().min(1).optional(),
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  pool_size: positiveInt.default(8),
  http2_prior_knowledge: z.boolean().default(false),
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

// Top-level keys the siphon SIP server understands and this binary does not
// serve: accepted with one warning so one siphon.yaml can drive both.
export const SIP_SERVER_KEYS = [
  'listen', 'domain', 'domains', 'registrar', 'auth', 'proxy', 'b2bua', 'transport', 'transports',
  'tls', 'sip', 'timers', 'media', 'rtp', 'presence', 'gateways', 'trunks', 'routing', 'dialog',
  'cdr', 'limits', 'nat', 'dns', 'outbound', 'admin', 'location', 'database', 'redis', 'metrics',
] as const;
