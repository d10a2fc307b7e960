// A steady stream of concurrent requests for shutdown/reload tests: each
// worker sends the next request as soon as the previous one finishes, and
// records the outcome and when it was sent.
import { request } from './http.mjs';

export function steadyLoad(url, { workers = 8, timeoutMs = 15000, headers } = {}) {
  const results = [];
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const sentAt = Date.now();
      try {
        const res = await request(url, { timeoutMs, headers });
        results.push({ sentAt, doneAt: Date.now(), status: res.status, text: res.text });
      } catch (err) {
        results.push({ sentAt, doneAt: Date.now(), error: err.code ?? err.message });
        if (err.code === 'ECONNREFUSED') break; // the listener is gone: stop this worker
      }
    }
  });
  return {
    results,
    async stop() {
      running = false;
      await Promise.all(loops);
      return results;
    },
  };
}
