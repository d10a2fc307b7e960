// examples/sip-registry, started from the repository root as its siphon.yaml
// says, driven over real HTTP: register (PUT -> 201 + Location, 200 again),
// heartbeat (PATCH -> 204/404), discovery with filters, deregister, expiry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { startExample } from './helpers/examples.mjs';
import { json, request } from './helpers/http.mjs';

const FRA = { uri: 'sips:gw-fra-1.example.net:5061', region: 'eu-central', transport: 'tls', capacity: 120 };
const AMS = { uri: 'sip:gw-ams-1.example.net', region: 'eu-west', transport: 'udp' };

function put(url, id, body) {
  return json(`${url}/trunks/${id}`, { method: 'PUT', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

async function ids(url, query = '') {
  const res = await json(`${url}/trunks${query}`);
  assert.equal(res.status, 200);
  assert.equal(res.json.count, res.json.trunks.length);
  return res.json.trunks.map((t) => t.id);
}

describe('examples/sip-registry', () => {
  it('registers, heartbeats, discovers and deregisters trunks', async () => {
    const siphon = await startExample('sip-registry');
    const url = siphon.url;
    try {
      await siphon.waitForLog((l) => l.message === 'sip trunk registry ready; trunks expire 90 s after their last heartbeat' && l.target === 'registry');

      const created = await put(url, 'gw-fra-1', FRA);
      assert.equal(created.status, 201);
      assert.equal(created.headers.location, '/trunks/gw-fra-1');
      assert.equal(created.headers['content-type'], 'application/json');
      assert.equal(created.json.id, 'gw-fra-1');
      assert.equal(created.json.transport, 'tls');
      const again = await put(url, 'gw-fra-1', { ...FRA, capacity: 200 });
      assert.equal(again.status, 200);
      assert.equal(again.headers.location, undefined);
      assert.equal(again.json.capacity, 200);
      await put(url, 'gw-fra-2', { ...FRA, transport: 'tcp' });
      await put(url, 'gw-ams-1', AMS);

      // The Location header names the new resource.
      const located = await json(new URL(created.headers.location, url).href);
      assert.equal(located.status, 200);
      assert.equal(located.json.uri, FRA.uri);

      assert.deepEqual(await ids(url), ['gw-ams-1', 'gw-fra-1', 'gw-fra-2']);
      assert.deepEqual(await ids(url, '?region=eu-central'), ['gw-fra-1', 'gw-fra-2']);
      assert.deepEqual(await ids(url, '?region=eu-central&transport=tls'), ['gw-fra-1']);
      assert.deepEqual(await ids(url, '?transport=udp'), ['gw-ams-1']);
      assert.deepEqual(await ids(url, '?region=eu%20central'), []);
      assert.equal((await json(`${url}/trunks?transport=sctp`)).status, 400);

      const beat = await request(`${url}/trunks/gw-ams-1`, { method: 'PATCH' });
      assert.equal(beat.status, 204);
      assert.equal(beat.text, '');
      assert.equal((await request(`${url}/trunks/gw-xyz`, { method: 'PATCH' })).status, 404);

      const gone = await request(`${url}/trunks/gw-fra-2`, { method: 'DELETE' });
      assert.equal(gone.status, 204);
      assert.equal((await request(`${url}/trunks/gw-fra-2`, { method: 'DELETE' })).status, 404);
      assert.equal((await json(`${url}/trunks/gw-fra-2`)).status, 404);
      assert.deepEqual(await ids(url), ['gw-ams-1', 'gw-fra-1']);

      assert.equal((await put(url, 'gw-bad', 'not json')).status, 400);
      assert.equal((await put(url, 'gw-bad', { ...FRA, uri: 'http://gw' })).status, 422);
      assert.equal((await put(url, '-bad', FRA)).status, 400);
      const wrongMethod = await request(`${url}/trunks`, { method: 'POST', body: '{}' });
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.headers.allow, 'GET, HEAD');
      await siphon.waitForLog((l) => l.message === 'deregistered trunk gw-fra-2');
    } finally {
      assert.equal((await siphon.stop()).code, 0);
    }
  });

  it('drops a trunk that stops sending heartbeats', async () => {
    // TTL 2 s: gw-a heartbeats at ~1.2 s, so at ~2.4 s it was heard ~1.2 s ago
    // while gw-b has been silent for ~2.4 s.
    const siphon = await startExample('sip-registry', { TRUNK_TTL_SECONDS: '2' });
    const url = siphon.url;
    try {
      assert.equal((await put(url, 'gw-a', FRA)).status, 201);
      assert.equal((await put(url, 'gw-b', AMS)).status, 201);
      await sleep(1200);
      assert.equal((await request(`${url}/trunks/gw-a`, { method: 'PATCH' })).status, 204);
      await sleep(1200);
      assert.deepEqual(await ids(url), ['gw-a']);
      assert.equal((await json(`${url}/trunks/gw-b`)).status, 404);
      assert.equal((await request(`${url}/trunks/gw-b`, { method: 'PATCH' })).status, 404);
      await siphon.waitForLog((l) => l.message === 'trunk gw-b expired (no heartbeat for 2 s)');
      assert.equal((await put(url, 'gw-b', AMS)).status, 201, 'an expired trunk registers anew');
    } finally {
      await siphon.stop();
    }
  });

  it('refuses to start with a TTL that is not a positive number', async () => {
    await assert.rejects(startExample('sip-registry', { TRUNK_TTL_SECONDS: 'soon' }), /exited before logging[\s\S]*TRUNK_TTL_SECONDS must be a number of seconds, not 'soon'/);
  });
});
