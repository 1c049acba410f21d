// DESIGN "Correctness invariants" under a crash: a release sells under load while the server is
// killed with SIGKILL (kill -9) at a random moment, then restarted on the same database, several
// times until the slot is sold out. After every restart: each booking that was answered 201 is
// there, the slot's count equals its active bookings, it is not oversold, nobody holds two
// bookings, a request cut off by the crash booked once or not at all, a refused request booked
// nothing, and an Idempotency-Key retry of any of them answers its booking or books once.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';

import { sleep, startServer, uniq } from './lib/harness.mjs';
import { PUB, VAX, bookingBody, createSlot, getSlot, vaxWorld } from './lib/vax.mjs';

const QUOTA = 300;
const CONCURRENCY = 48;
const MIN_ROUNDS = 6;
const MAX_ROUNDS = 16;
const randInt = (lo, hi) => lo + crypto.randomInt(hi - lo + 1); // lo..hi inclusive

let server;
let admin;
let vx;
let token; // 永红街道's personal link
let grid; // 永红社区

before(async () => {
  // One client address sends the whole release: no per-address or per-ID-number rate limit.
  server = await startServer();
  admin = await server.login('admin');
  vx = await vaxWorld(admin);
  token = vx.links.get('永红街道').token;
  grid = vx.node('永红社区').id;
});

after(async () => {
  await server?.stop();
});

/** POSTs a booking body with its Idempotency-Key to the running server; raw fetch, no client state. */
async function post(url, req) {
  const res = await fetch(`${url}${PUB}/bookings`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': req.key },
    body: JSON.stringify(req.body),
  });
  const text = await res.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, text };
}

/** The cause of a failed fetch: ECONNREFUSED means the request was never sent. */
const errCode = (e) => e?.cause?.code || e?.code || e?.cause?.name || e?.name || String(e);

/**
 * One round of load: CONCURRENCY workers book distinct people on the slot until the server is
 * killed — after `killAfter` answers 201 (or the first slot_full when `killOnFull`), or after
 * `killAtMs` of load, whichever comes first, plus a few ms of jitter. Every request is recorded
 * in `people` (name -> request) with its outcome: acked (201, code), full (409 slot_full),
 * refused (ECONNREFUSED: never reached the server), unknown (cut off: outcome unknown).
 */
async function loadAndKill(slotId, people, { round, killAfter, killAtMs, killOnFull }) {
  const url = server.url;
  const inFlight = new Set();
  const stats = { sent: 0, acked: 0, full: 0, refused: 0, unknown: 0, other: [], inFlightAtKill: 0, killAtMs: 0 };
  let stopped = false;
  let killing = null;
  const started = Date.now();
  const kill = () => {
    if (killing) return;
    killing = (async () => {
      await sleep(randInt(0, 8));
      stopped = true; // no new requests from now on; those in flight are cut off
      stats.inFlightAtKill = inFlight.size;
      stats.killAtMs = Date.now() - started;
      await server.crash();
    })();
  };
  const timer = setTimeout(kill, killAtMs);
  const worker = async () => {
    while (!stopped) {
      const req = {
        key: uniq('crash-'),
        body: bookingBody({ token, slotId, gridId: grid }),
        outcome: 'pending',
        code: null,
        round,
      };
      people.set(req.body.name, req);
      stats.sent++;
      inFlight.add(req);
      try {
        const res = await post(url, req);
        if (res.status === 201 && typeof res.body?.code === 'string') {
          req.outcome = 'acked';
          req.code = res.body.code;
          stats.acked++;
          if (stats.acked >= killAfter) kill();
        } else if (res.status === 409 && res.body?.code === 'slot_full') {
          req.outcome = 'full';
          stats.full++;
          if (killOnFull) kill();
        } else {
          req.outcome = 'other';
          stats.other.push(`${res.status} ${res.text.slice(0, 200)}`);
        }
      } catch (e) {
        if (errCode(e) === 'ECONNREFUSED') {
          req.outcome = 'refused';
          stats.refused++;
        } else {
          req.outcome = 'unknown';
          req.error = errCode(e);
          stats.unknown++;
        }
        // The server is going down; do not spin on refused connections.
        if (!killing) await sleep(5);
      } finally {
        inFlight.delete(req);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  clearTimeout(timer);
  await killing;
  return stats;
}

/** Every active booking of the slot, as the city admin lists it (exact total up to 10,000). */
async function activeBookings(client, slotId) {
  const first = await client.get(`${VAX}/bookings?slotId=${slotId}&status=booked&pageSize=200`);
  assert.equal(first.status, 200, first.text);
  const items = await client.all(`${VAX}/bookings?slotId=${slotId}&status=booked`);
  assert.equal(first.body.totalCapped ?? false, false, 'the list total is exact');
  assert.equal(items.length, first.body.total, 'every page listed');
  return items;
}

/**
 * Checks every invariant against what the clients saw (people: name -> request); returns the
 * slot and the active bookings by name. `committed` (name -> code|null) remembers, for requests
 * cut off in earlier rounds, whether their booking exists: that must never change.
 */
async function checkInvariants(client, slot, people, committed, where) {
  const s = await getSlot(client, slot.id);
  const active = await activeBookings(client, slot.id);
  const byName = new Map();
  for (const b of active) {
    assert.ok(!byName.has(b.name), `${where}: ${b.name} holds two active bookings (${byName.get(b.name)?.code}, ${b.code})`);
    byName.set(b.name, b);
  }
  const byCode = new Map(active.map((b) => [b.code, b]));
  assert.equal(byCode.size, active.length, `${where}: booking codes are unique`);
  assert.equal(s.booked, active.length, `${where}: the slot's count (${s.booked}) equals its active bookings (${active.length})`);
  assert.ok(s.booked <= s.quota, `${where}: oversold: ${s.booked} booked of ${s.quota}`);
  assert.equal(s.quota, QUOTA, `${where}: quota unchanged`);

  const lost = [];
  for (const [name, req] of people) {
    const b = byName.get(name);
    if (req.outcome === 'acked') {
      const found = byCode.get(req.code);
      if (!found) lost.push(req.code);
      else assert.equal(found.name, name, `${where}: booking ${req.code} belongs to whoever booked it`);
    } else if (req.outcome === 'unknown') {
      if (committed.has(name))
        assert.equal(b?.code ?? null, committed.get(name), `${where}: a cut-off request of an earlier round changed (${name})`);
      else committed.set(name, b?.code ?? null);
    } else {
      // full, refused, other: the server said no or never saw it.
      assert.equal(b, undefined, `${where}: ${name} (${req.outcome}) must hold no booking, holds ${b?.code}`);
    }
  }
  assert.deepEqual(lost, [], `${where}: ${lost.length} bookings answered 201 are gone after the crash`);
  for (const b of active) assert.ok(people.has(b.name), `${where}: booking ${b.code} of ${b.name} was never requested`);
  return { slot: s, byName };
}

test('kill -9 under load, restart, repeat until sold out: no 201 lost, count = bookings, never oversold, retries book once', async (t) => {
  const slot = await createSlot(admin, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.vero.id, quota: QUOTA });
  const people = new Map(); // name -> {key, body, outcome, code}
  const committed = new Map(); // name of a cut-off request -> its booking code, or null
  let booked = 0;
  let round = 0;
  let killsMidLoad = 0;
  let killsWithAcks = 0;
  let nearSellOut = 0;
  let retried = { committed: 0, booked: 0, full: 0, acked: 0 };
  while (round < MIN_ROUNDS || booked < QUOTA) {
    assert.ok(round < MAX_ROUNDS, `the slot should sell out within ${MAX_ROUNDS} rounds (booked ${booked} of ${QUOTA})`);
    const remaining = QUOTA - booked;
    // The first rounds are killed early in the release; later ones around the sold-out point.
    const late = round >= MIN_ROUNDS - 1;
    const plan = late
      ? { killAfter: Math.max(1, remaining - randInt(0, 10)), killAtMs: randInt(1000, 3000), killOnFull: true }
      : { killAfter: Math.min(remaining, randInt(5, 45)), killAtMs: randInt(50, 400), killOnFull: true };
    const stats = await loadAndKill(slot.id, people, { round, ...plan });
    const where = `round ${round + 1}`;
    assert.deepEqual(stats.other, [], `${where}: only 201 and 409 slot_full are expected answers`);
    assert.ok(stats.inFlightAtKill > 0, `${where}: the kill landed with requests in flight`);
    if (stats.inFlightAtKill > 0 && stats.unknown > 0) killsMidLoad++;
    if (stats.acked > 0 && stats.unknown > 0) killsWithAcks++;

    await server.restart();
    admin = await server.login('admin');
    const { slot: s, byName } = await checkInvariants(admin, slot, people, committed, `${where} after restart`);
    // Refusals go out after the commit too (group commit answers only then): a slot_full seen
    // before the crash means the places that filled it survived.
    if (stats.full > 0) assert.equal(s.booked, QUOTA, `${where}: answered slot_full before the crash, so it is full after it`);
    const cutOffBooked = [...people.values()].filter((r) => r.round === round && r.outcome === 'unknown' && committed.get(r.body.name)).length;
    if (booked < QUOTA && s.booked >= QUOTA - 10) nearSellOut++;

    // Retries with the same Idempotency-Key after the restart: a few cut-off requests of this
    // round (booked or not) and a few acknowledged ones, twice each at once.
    const cutOff = [...people.values()].filter((r) => r.outcome === 'unknown' && !r.retried);
    const acked = [...people.values()].filter((r) => r.outcome === 'acked' && !r.retried);
    const pick = (list, n) => list.sort(() => Math.random() - 0.5).slice(0, n);
    const retry = [...pick(cutOff, 8), ...pick(acked, 3)];
    await Promise.all(
      retry.map(async (req) => {
        req.retried = true;
        const had = req.outcome === 'acked' ? req.code : byName.get(req.body.name)?.code;
        const answers = await Promise.all([post(server.url, req), post(server.url, req)]);
        const summary = answers.map((a) => `${a.status} ${a.body?.code}`).join(', ');
        req.retryAnswers = `was ${req.outcome}${had ? ` (${had})` : ''}, retries: ${summary}`;
        if (had) {
          for (const a of answers) {
            assert.ok([200, 201].includes(a.status), `${where}: retry of booked ${req.body.name} answers its booking: ${summary}`);
            assert.equal(a.body.code, had, `${where}: retry answers the same code: ${summary}`);
          }
          retried[req.outcome === 'acked' ? 'acked' : 'committed']++;
          req.outcome = 'acked'; // a cut-off request that had committed: now answered
          req.code = had;
          committed.delete(req.body.name);
        } else {
          const ok = answers.filter((a) => [200, 201].includes(a.status));
          if (ok.length) {
            assert.equal(new Set(ok.map((a) => a.body.code)).size, 1, `${where}: concurrent retries book once: ${summary}`);
            for (const a of answers)
              assert.ok([200, 201].includes(a.status) || (a.status === 409 && a.body?.code === 'already_booked'), `${where}: ${summary}`);
            req.outcome = 'acked';
            req.code = ok[0].body.code;
            retried.booked++;
          } else {
            for (const a of answers) assert.ok(a.status === 409 && a.body?.code === 'slot_full', `${where}: a retry that does not book finds the slot full: ${summary}`);
            req.outcome = 'full';
            retried.full++;
          }
          committed.delete(req.body.name);
        }
      }),
    );
    // Each retried person holds exactly the booking they were answered, found by ID number too.
    for (const req of retry) {
      const res = await admin.get(`${VAX}/bookings?keyword=${req.body.idNumber}&status=booked`);
      assert.equal(res.status, 200, res.text);
      const codes = res.body.items.map((b) => b.code);
      assert.deepEqual(codes, req.outcome === 'acked' ? [req.code] : [], `${where}: active bookings of retried ${req.body.name}, ${req.retryAnswers}`);
    }
    const after = await checkInvariants(admin, slot, people, committed, `${where} after retries`);
    booked = after.slot.booked;
    if (retry.some((r) => r.outcome === 'full')) assert.equal(booked, QUOTA, `${where}: a retry answered slot_full, so the slot is full`);
    t.diagnostic(
      `${where}: sent ${stats.sent}, 201 ${stats.acked}, slot_full ${stats.full}, killed at ${stats.killAtMs} ms with ${stats.inFlightAtKill} in flight ` +
        `(cut off ${stats.unknown}, of which committed ${cutOffBooked}; refused ${stats.refused}); ` +
        `retried ${retry.length}; booked ${s.booked} → ${booked} of ${QUOTA}`,
    );
    round++;
  }
  t.diagnostic(`rounds ${round}, kills mid-load ${killsMidLoad}, kills after some 201 ${killsWithAcks}, near sell-out ${nearSellOut}, retries ${JSON.stringify(retried)}`);
  assert.ok(killsMidLoad >= 1, 'at least one kill landed with requests in flight');
  assert.ok(killsWithAcks >= 1, 'at least one kill landed after bookings were acknowledged and with requests in flight');
  assert.equal(booked, QUOTA, 'sold out');

  // Sold out after all those crashes: one more request is refused and changes nothing.
  const last = { key: uniq('crash-'), body: bookingBody({ token, slotId: slot.id, gridId: grid }), outcome: 'pending' };
  const res = await post(server.url, last);
  assert.equal(res.status, 409, res.text);
  assert.equal(res.body.code, 'slot_full');
  last.outcome = 'full';
  people.set(last.body.name, last);
  await checkInvariants(admin, slot, people, committed, 'at the end');
});
