// Paths siphon answers itself on a listener, before routing and without
// entering Python: the health check and the Prometheus metrics.
import type { ServerConfig } from '../config';
import { DRAINING, HEALTHY, plainBody, plainHeaders } from './plain-answers';
import type { ServingState } from './serving';

export interface EndpointAnswer {
  status: number;
  headers: readonly string[];
  body: string;
}

export type Endpoint = () => EndpointAnswer | Promise<EndpointAnswer>;

export function endpointsFor(config: ServerConfig, state: ServingState): Map<string, Endpoint> {
  const endpoints = new Map<string, Endpoint>();
  if (config.healthPath) {
    // 200 once startup hooks have run (listeners open only then), 503 while draining.
    endpoints.set(config.healthPath, () =>
      state.draining
        ? { status: DRAINING.status, headers: plainHeaders(DRAINING), body: plainBody(DRAINING) }
        : { status: HEALTHY.status, headers: plainHeaders(HEALTHY), body: plainBody(HEALTHY) },
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
