// Paths siphon answers itself on a listener, before routing and without
// entering Python: the health check and the Prometheus metrics.
import type { ServerConfig } from '../config';
import type { ServingState } from './serving';

export interface EndpointAnswer {
  status: number;
  headers: string[];
  body: string;
}

export type Endpoint = () => EndpointAnswer | Promise<EndpointAnswer>;

export function endpointsFor(config: ServerConfig, state: ServingState): Map<string, Endpoint> {
  const endpoints = new Map<string, Endpoint>();
  if (config.healthPath) {
    // 200 once startup hooks have run (listeners open only then), 503 while draining.
    endpoints.set(config.healthPath, () =>
      state.draining
        ? { status: 503, headers: ['content-type', 'text/plain; charset=utf-8', 'retry-after', '1'], body: 'draining\n' }
        : { status: 200, headers: ['content-type', 'text/plain; charset=utf-8'], body: 'ok\n' },
    );
  }
  if (config.metricsPath && state.metrics) {
    const metrics = state.metrics;
    endpoints.set(config.metricsPath, async () => {
      const { contentType, body } = await metrics.render();
      return { status: 200, headers: ['content-type', contentType], body };
    });
  }
  return endpoints;
}
