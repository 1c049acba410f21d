// Two `fangyi serve` nodes on one database (SQLite file or PostgreSQL), directly and behind
// nginx configured from deploy/nginx/fangyi.conf (deploy/nginx/render.sh): a slot released to
// a crowd through both nodes at once keeps DESIGN.md's invariants (never more bookings than
// places, one active booking per person, an Idempotency-Key retry answers the first booking);
// a place given back or added on one node is bookable on the other at once; nginx passes a
// booking that reached a node on to no other node.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { Client, DB_KIND, KEEP, REPO_ROOT, cityDate, expectProblem, freePort, sleep, startServer, uniq } from './lib/harness.mjs';
import { PUB, VAX, bookingBody, cityMs, clockTo, createSlot, getSlot, resetClock, runJobs, vaxWorld } from './lib/vax.mjs';

const run = promisify(execFile);

let server;
let peer;
let A; // node A: {name, url, client(), admin}
let B;
let vx;
let token; // 永红街道's personal link
let grid; // 永红社区

before(async () => {
  server = await startServer();
  peer = await server.peer();
  A = { name: 'node A', url: server.url, client: () => server.client(), admin: await server.login('admin') };
  B = { name: 'node B', url: peer.url, client: () => peer.client(), admin: await peer.login('admin') };
  vx = await vaxWorld(A.admin);
  token = vx.links.get('永红街道').token;
  grid = vx.node('永红社区').id;
});

after(async () => {
  await server?.stop(); // stops the peer too
});

/** A fresh personal slot of 永红街道 (vero, tomorrow 08:00–20:00), made through node A. */
const freshSlot = (quota) => createSlot(A.admin, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.vero.id, quota });

const bookVia = (client, body, headers) => client.post(`${PUB}/bookings`, body, { headers });
const summary = (res) => `${res.status} ${res.body?.code ?? ''}`;

function shuffle(list) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

/**
 * Releases `slot` to a crowd at once and checks every invariant. The crowd: `distinct` people
 * once each (through via(0) and via(1) in turn), `dupes` people twice at once without a key
 * (via(0) and via(1)), `keyed` people three times with one Idempotency-Key (via(0), via(1),
 * via(0)). via(k) makes a client: of node A or B, or of nginx.
 */
async function release(slot, via, { distinct, dupes, keyed }) {
  const quota = slot.quota;
  const jobs = [];
  const people = [];
  for (let i = 0; i < distinct; i++) {
    const p = { kind: 'distinct', body: bookingBody({ token, slotId: slot.id, gridId: grid }), answers: [] };
    people.push(p);
    jobs.push(async () => p.answers.push(await bookVia(via(i % 2), p.body)));
  }
  for (let i = 0; i < dupes; i++) {
    const p = { kind: 'dupe', body: bookingBody({ token, slotId: slot.id, gridId: grid }), answers: [] };
    people.push(p);
    for (const k of [0, 1]) jobs.push(async () => p.answers.push(await bookVia(via(k), p.body)));
  }
  for (let i = 0; i < keyed; i++) {
    const p = { kind: 'keyed', key: uniq('idem-'), body: bookingBody({ token, slotId: slot.id, gridId: grid }), answers: [] };
    people.push(p);
    for (const k of [0, 1, 0]) jobs.push(async () => p.answers.push(await bookVia(via(k), p.body, { 'Idempotency-Key': p.key })));
  }
  await Promise.all(shuffle(jobs).map((job) => job()));

  const codes = new Map(); // booking code -> person
  for (const p of people) {
    const what = `${p.kind} ${p.body.idNumber}: ${p.answers.map(summary).join(', ')}`;
    for (const r of p.answers) {
      assert.ok(r.status === 201 || r.status === 409 || (p.kind === 'keyed' && r.status === 200), `only 201 or 409 (${what}): ${r.text.slice(0, 200)}`);
      if (r.status === 409) {
        const allowed = p.kind === 'dupe' ? ['slot_full', 'already_booked'] : ['slot_full'];
        assert.ok(allowed.includes(r.body.code), `409 ${r.body.code} is not one of ${allowed} (${what})`);
      }
    }
    const won = p.answers.filter((r) => r.status < 300);
    p.code = won[0]?.body.code ?? null;
    assert.ok(new Set(won.map((r) => r.body.code)).size <= 1, `one booking per person (${what})`);
    if (p.kind === 'dupe') assert.ok(won.length <= 1, `a person submitting on both nodes at once books once (${what})`);
    if (p.kind === 'keyed' && p.code)
      assert.equal(won.length, 3, `every retry of a key answers the booking it made (${what})`);
    if (p.code) {
      assert.ok(!codes.has(p.code), `booking code ${p.code} answered to two people`);
      codes.set(p.code, p);
    }
  }
  const created =
    people.filter((p) => p.kind !== 'keyed').flatMap((p) => p.answers).filter((r) => r.status === 201).length +
    people.filter((p) => p.kind === 'keyed' && p.code).length;
  assert.equal(codes.size, quota, `exactly ${quota} bookings for ${quota} places`);
  assert.equal(created, quota, `exactly ${quota} requests created a booking`);

  // The database agrees: the slot's count, the list of its bookings, each person's own view.
  const s = await getSlot(A.admin, slot.id);
  assert.equal(s.booked, quota, 'slot.booked');
  assert.equal(s.remaining, 0, 'slot.remaining');
  const listed = await A.admin.all(`${VAX}/bookings?slotId=${slot.id}&status=booked`);
  assert.equal(listed.length, quota, 'active bookings listed for the slot');
  assert.deepEqual(new Set(listed.map((b) => b.code)), new Set(codes.keys()), 'the listed bookings are the ones answered 201');
  await Promise.all(
    people
      .filter((p) => p.kind !== 'distinct')
      .map(async (p) => {
        const res = await via(1).post(`${PUB}/lookup`, { idNumber: p.body.idNumber, phone: p.body.phone });
        const what = `${p.kind} ${p.body.idNumber} holds exactly the booking answered (${p.code})`;
        if (!p.code) return expectProblem(assert, res, 404, 'not_found', what);
        assert.equal(res.status, 200, `${what}: ${res.text}`);
        assert.deepEqual(res.body.items.filter((b) => b.status === 'booked').map((b) => b.code), [p.code], what);
      }),
  );

  // Full on every node; a retry of a key that booked still answers its booking.
  for (const k of [0, 1]) expectProblem(assert, await bookVia(via(k), bookingBody({ token, slotId: slot.id, gridId: grid })), 409, 'slot_full', `after the release, via ${k}`);
  for (const p of people.filter((x) => x.kind === 'keyed' && x.code))
    for (const k of [0, 1]) {
      const again = await bookVia(via(k), p.body, { 'Idempotency-Key': p.key });
      assert.ok(again.status === 200 || again.status === 201, `a late retry of a key that booked answers its booking, not ${summary(again)}`);
      assert.equal(again.body.code, p.code, 'the same booking code');
    }
  assert.equal((await getSlot(A.admin, slot.id)).booked, quota, 'retries made nothing more');
  return { people, codes };
}

test('a slot released through two nodes at once: exactly quota bookings, one per person, retries answer their booking', async () => {
  const slot = await freshSlot(40);
  const via = (k) => (k % 2 ? B.client() : A.client());
  await release(slot, via, { distinct: 150, dupes: 15, keyed: 8 });
});

// On PostgreSQL one node writes batches on two connections at once (--db-writers, default 2).
// A batch counts places from a plain read and claims them last; one that finds them taken
// meanwhile is undone and runs again. On SQLite the writer is alone and its read is exact.
test('one node writing batches side by side: exactly quota bookings; a batch that lost its places runs again', async () => {
  const via = () => A.client();
  const redone = () => (server.log().match(/runs again \(places taken meanwhile\)/g) ?? []).length;
  const before = redone();
  // The overlap is timing: a release shows it with a chance of roughly 1 in 5 to 1 in 2 (8
  // rounds were seen to miss it), so up to 60 releases make it all but certain on PostgreSQL;
  // the loop stops at the first.
  const rounds = DB_KIND === 'postgres' ? 60 : 2;
  for (let round = 0; round < rounds && redone() === before; round++)
    await release(await freshSlot(30), via, { distinct: 160, dupes: 10, keyed: 6 });
  if (DB_KIND === 'postgres') assert.ok(redone() > before, 'no batch ever found its places taken: the overlap was not exercised');
  else assert.equal(redone(), before, 'a SQLite batch found its places taken');
});

// ---------------------------------------------------------------------------------------
// A node must not answer slot_full from what it knew before a place came back on another node.

/** Answers slot_full on both nodes (so that each has just seen the slot full). */
async function fullOnBoth(slot, why) {
  for (const n of [A, B, A, B])
    expectProblem(assert, await bookVia(n.client(), bookingBody({ token, slotId: slot.id, gridId: grid })), 409, 'slot_full', `${n.name} ${why}`);
}

// Processes on one SQLite file share the "full" knowledge through memory: at once. Nodes on
// PostgreSQL hear of freed places through LISTEN/NOTIFY; the freeing node answers only after
// hearing its own notice, so the other node knows within milliseconds: it gets 200 ms here.
const NOTICE_MS = DB_KIND === 'postgres' ? 200 : 0;

async function bookOn(node, slot, why) {
  const body = bookingBody({ token, slotId: slot.id, gridId: grid });
  const started = Date.now();
  let res = await bookVia(node.client(), body);
  while (res.status === 409 && res.body?.code === 'slot_full' && Date.now() - started < NOTICE_MS) {
    await new Promise((r) => setTimeout(r, 5));
    res = await bookVia(node.client(), body);
  }
  assert.equal(res.status, 201, `${why}: ${node.name} must book at once, answered ${res.status} ${res.text.slice(0, 200)}`);
  return { ...res.body, body };
}

const adminRow = async (node, code) => (await node.admin.get(`${VAX}/bookings?keyword=${code}`)).body.items[0];
const slotEdit = (s, quota) => ({ type: s.type, vaccineId: s.vaccineId, siteId: s.siteId, date: s.date, startTime: s.startTime, endTime: s.endTime, quota, remark: s.remark ?? '' });

/** A slot of `quota` places filled through both nodes; {slot, held: [booking + body]}. */
async function fullSlot(quota) {
  const slot = await freshSlot(quota);
  const held = [];
  for (let i = 0; i < quota; i++) held.push(await bookOn(i % 2 ? B : A, slot, 'filling'));
  await fullOnBoth(slot, 'once the slot is full');
  return { slot, held };
}

/** The slot's count and its listed active bookings are `held`. */
async function holds(slot, held) {
  assert.equal((await getSlot(A.admin, slot.id)).booked, held.length, 'slot.booked');
  const listed = await A.admin.all(`${VAX}/bookings?slotId=${slot.id}&status=booked`);
  assert.deepEqual(new Set(listed.map((b) => b.code)), new Set(held.map((h) => h.code)), 'the active bookings are the ones held');
}

const citizenCancel = async (node, h) => {
  const res = await node.client().post(`${PUB}/bookings/${h.code}/cancel`, { idNumber: h.body.idNumber });
  assert.equal(res.status, 200, `cancel on ${node.name}: ${res.text}`);
};

test('a citizen cancels through node A: node B books the place at once', async () => {
  const { slot, held } = await fullSlot(2);
  await citizenCancel(A, held[0]);
  held[0] = await bookOn(B, slot, 'after a citizen cancelled on node A');
  await fullOnBoth(slot, 'after the freed place was taken');
  await citizenCancel(B, held[1]);
  held[1] = await bookOn(A, slot, 'after a citizen cancelled on node B');
  await fullOnBoth(slot, 'after the freed place was taken');
  await holds(slot, held);
});

test('an admin cancels through node B: node A books the place at once', async () => {
  const { slot, held } = await fullSlot(2);
  const row = await adminRow(B, held[0].code);
  const res = await B.admin.post(`${VAX}/bookings/${row.id}/cancel`, { reason: '两节点测试' });
  assert.equal(res.status, 200, res.text);
  held[0] = await bookOn(A, slot, 'after an admin cancelled on node B');
  await fullOnBoth(slot, 'after the freed place was taken');
  await holds(slot, held);
});

test('加名额 through node A: node B books the added place at once', async () => {
  const { slot, held } = await fullSlot(2);
  const added = await A.admin.post(`${VAX}/slots/${slot.id}/quota`, { add: 1 });
  assert.equal(added.status, 200, added.text);
  assert.equal(added.body.quota, 3);
  held.push(await bookOn(B, slot, 'after 加名额 on node A'));
  await fullOnBoth(slot, 'after the added place was taken');
  await holds(slot, held);
});

test('the quota raised by editing the slot through node B: node A books at once', async () => {
  const { slot, held } = await fullSlot(2);
  const edited = await B.admin.put(`${VAX}/slots/${slot.id}`, slotEdit(await getSlot(B.admin, slot.id), 3));
  assert.equal(edited.status, 200, edited.text);
  assert.equal(edited.body.quota, 3);
  held.push(await bookOn(A, slot, 'after the quota was raised on node B'));
  await fullOnBoth(slot, 'after the added place was taken');
  await holds(slot, held);
});

test('locked through node A: neither node books a freed place; re-published: node B books at once', async () => {
  const { slot, held } = await fullSlot(2);
  await citizenCancel(B, held[0]);
  assert.equal((await A.admin.post(`${VAX}/slots/${slot.id}/lock`)).status, 200);
  for (const n of [B, A])
    expectProblem(assert, await bookVia(n.client(), bookingBody({ token, slotId: slot.id, gridId: grid })), 409, 'slot_closed', `${n.name} after a lock on node A`);
  assert.equal((await A.admin.post(`${VAX}/slots/${slot.id}/release`)).status, 200);
  held[0] = await bookOn(B, slot, 'after the slot was re-published on node A');
  await fullOnBoth(slot, 'after the freed place was taken');
  await holds(slot, held);
});

// ---------------------------------------------------------------------------------------
// nginx in front, configured from deploy/nginx/fangyi.conf.

const nginxes = new Set();
process.on('exit', () => {
  for (const c of nginxes) c.kill('SIGTERM'); // the master stops its workers
});

/** nginx on a free loopback port in front of `nodes` (HOST:PORT), stopped after the test. */
async function startNginx(t, nodes) {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'fangyi-nginx-'));
  const stops = []; // also when the test fails
  t.after(async () => {
    await Promise.all(stops.map((stop) => stop()));
    if (!KEEP) fs.rmSync(prefix, { recursive: true, force: true });
  });
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    await run('bash', [path.join(REPO_ROOT, 'deploy/nginx/render.sh'), prefix, `127.0.0.1:${port}`, path.join(REPO_ROOT, 'web/dist'), ...nodes]);
    const child = spawn('nginx', ['-p', prefix, '-c', 'nginx.conf', '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginxes.add(child);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    exited.then(() => nginxes.delete(child));
    stops.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        if ((await fetch(`${url}/healthz`)).status === 200) {
          const file = (f) => path.join(prefix, 'logs', f);
          const read = (f) => (fs.existsSync(file(f)) ? fs.readFileSync(file(f), 'utf8') : '');
          return { url, client: () => new Client(url), accessLog: () => read('access.log'), errorLog: () => read('error.log') };
        }
      } catch {
        /* not listening yet */
      }
      await sleep(50);
    }
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    if (attempt >= 2) throw new Error(`nginx did not start: ${stderr}`);
  }
}

const hostPort = (url) => new URL(url).host;

/** Whether check() turns true within 2 s. */
async function eventually(check) {
  for (let i = 0; i < 40; i++) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

test('behind nginx (deploy/nginx/fangyi.conf): a release through both nodes keeps the invariants', async (t) => {
  const lb = await startNginx(t, [hostPort(A.url), hostPort(B.url)]);
  const slot = await freshSlot(15);
  await release(slot, () => lb.client(), { distinct: 50, dupes: 6, keyed: 4 });

  // Both nodes served bookings, and one request id names a request in both logs.
  const log = lb.accessLog();
  for (const n of [A, B])
    assert.match(log, new RegExp(`"POST /api/v1/public/vaccination/bookings" \\d+ .*up=${hostPort(n.url).replaceAll('.', '\\.')}/`), `nginx passed bookings to ${n.name}`);
  const res = await lb.client().get(`${PUB}/links/${token}`);
  assert.equal(res.status, 200, res.text);
  const rid = res.headers.get('x-request-id');
  assert.match(rid ?? '', /^[0-9a-f]{32}$/, 'the node answers with the request id nginx gave it');
  // nginx and the node write their access lines just after answering.
  assert.ok(await eventually(() => lb.accessLog().includes(`rid=${rid}`)), 'nginx logs the request id');
  assert.ok(await eventually(() => server.log().includes(`[${rid}]`)), 'the node logs the same request id');
  // nginx's own refusals are problems like the nodes'.
  const big = await lb.client().post(`${PUB}/eligibility`, 'x'.repeat(70 * 1024));
  expectProblem(assert, big, 413, 'body_too_large', 'a body over 64 KiB stops at nginx');
  assert.equal((await lb.client().get('/metrics')).status, 404, 'per-node metrics are not served through the balancer');
});

test('behind nginx: a booking that reached a node is never passed to another one; an unreachable node is skipped', async (t) => {
  // A node that takes each request and drops the connection without answering (as if it
  // crashed mid-request), in front of node A.
  const hits = [];
  const broken = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', (d) => {
      hits.push(d.toString('latin1').split('\r\n')[0]);
      socket.destroy();
    });
  });
  await new Promise((resolve) => broken.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => broken.close(resolve)));
  const lb = await startNginx(t, [`127.0.0.1:${broken.address().port}`, hostPort(A.url)]);
  const slot = await freshSlot(20);

  const posts = [];
  const gets = [];
  for (let i = 0; i < 4; i++) {
    gets.push(await lb.client().get(`${PUB}/links/${token}`));
    posts.push(await bookVia(lb.client(), bookingBody({ token, slotId: slot.id, gridId: grid })));
  }
  const postHits = hits.filter((h) => h.startsWith('POST ')).length;
  const getHits = hits.filter((h) => h.startsWith('GET ')).length;
  const what = `broken node got [${hits.join('; ')}]; answers ${posts.map(summary).join(', ')}`;
  assert.ok(postHits >= 1 && getHits >= 1, `the broken node was tried with both methods (${what})`);
  for (const g of gets) assert.equal(g.status, 200, `a GET is retried on the next node: ${g.status} ${g.text.slice(0, 200)}`);
  const refused = posts.filter((r) => r.status === 503);
  for (const r of refused) expectProblem(assert, r, 503, 'unavailable', what);
  assert.equal(refused.length, postHits, `each booking that reached the broken node fails instead of going to node A (${what})`);
  assert.equal(posts.filter((r) => r.status === 201).length, posts.length - postHits, what);
  assert.equal((await getSlot(A.admin, slot.id)).booked, posts.length - postHits, 'node A booked only what it answered');

  // A node that refuses connections: every request goes on to node A.
  const lb2 = await startNginx(t, [`127.0.0.1:${await freePort()}`, hostPort(A.url)]);
  const through = [];
  for (let i = 0; i < 4; i++) through.push(await bookVia(lb2.client(), bookingBody({ token, slotId: slot.id, gridId: grid })));
  assert.deepEqual(through.map((r) => r.status), [201, 201, 201, 201], through.map(summary).join(', '));
  assert.match(lb2.errorLog(), /Connection refused/, 'the unreachable node was tried');
});

// Last: it runs node A's release job for tomorrow, which frees every unattended booking above.
test('a place freed by the automatic release on one node is bookable on the other at once', async () => {
  const { slot } = await fullSlot(2);
  try {
    await clockTo(A.client(), cityMs(cityDate(1), '09:01')); // node A only: its clock is its own
    const jobs = await runJobs(A.client());
    assert.ok(jobs.released >= 2, `node A released the unattended bookings: ${JSON.stringify(jobs)}`);
    await bookOn(B, slot, 'after the automatic release on node A');
  } finally {
    await resetClock(A.client());
  }
  const admin = await server.login('admin'); // sessions last 12 hours of node A's clock
  assert.equal((await getSlot(admin, slot.id)).booked, 1);
});
