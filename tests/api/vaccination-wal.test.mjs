// A long release on one database: SQLite's write-ahead log is rewound by the writer once the
// checkpointer has nearly caught up (db/database.cpp, rewindWal), so that commits overwrite the
// log instead of growing it without end. Bookings committed on either side of a rewind must
// survive a kill -9 like any other; PostgreSQL has no such log to rewind.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DB_KIND, startServer } from './lib/harness.mjs';
import { PUB, VAX, bookingBody, createSlot, getSlot, vaxWorld } from './lib/vax.mjs';

// Each booking dirties several pages (its row, indexes, SMS and audit rows): 8,000 of them
// write many times the 16 MB of log after which this server rewinds it (--wal-rewind-mb; the
// default, 256 MB, would take a much longer release).
const BOOKINGS = 8000;
const CONCURRENCY = 48;

async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
  assert.ok(m, `${name} is exported`);
  return Number(m[1]);
}
const rewinds = (url) => metric(url, 'fangyi_db_wal_rewinds_total');

test('a long release rewinds the SQLite log, and every 201 outlives a kill -9 after it', async () => {
  const server = await startServer({ env: { FANGYI_WAL_REWIND_MB: '16' } });
  try {
    const admin = await server.login('admin');
    const vx = await vaxWorld(admin);
    const token = vx.links.get('永红街道').token;
    const gridId = vx.node('永红社区').id;
    const slot = await createSlot(admin, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.vero.id, quota: BOOKINGS });
    assert.equal(await rewinds(server.url), 0, 'nothing to rewind before the release');

    const codes = new Set();
    const others = [];
    let next = 0;
    const worker = async () => {
      while (next < BOOKINGS) {
        next++;
        const res = await fetch(`${server.url}${PUB}/bookings`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(bookingBody({ token, slotId: slot.id, gridId })),
        });
        const text = await res.text();
        if (res.status === 201) codes.add(JSON.parse(text).code);
        else others.push(`${res.status} ${text.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    assert.deepEqual(others, [], 'every booking was accepted');
    assert.equal(codes.size, BOOKINGS);

    const n = await rewinds(server.url);
    if (DB_KIND === 'sqlite') assert.ok(n >= 1, `the log was rewound during the release (${n} times)`);
    else assert.equal(n, 0, 'PostgreSQL has no log of ours to rewind');
    // SQLite's writer does not wait for the disk: a sync thread syncs the log before any
    // answer, once for however many transactions committed meanwhile.
    const syncs = await metric(server.url, 'fangyi_db_log_syncs_total');
    const batches = await metric(server.url, 'fangyi_db_write_batches_total');
    if (DB_KIND === 'sqlite') assert.ok(syncs >= 1 && syncs <= batches, `${syncs} log syncs for ${batches} transactions`);
    else assert.equal(syncs, 0, 'PostgreSQL syncs its own log');

    await server.crash();
    await server.restart();
    const again = await server.login('admin');
    const s = await getSlot(again, slot.id);
    assert.equal(s.booked, BOOKINGS, "the slot's count after the crash");
    const items = await again.all(`${VAX}/bookings?slotId=${slot.id}&status=booked`);
    assert.equal(items.length, BOOKINGS, 'active bookings after the crash');
    const stored = new Set(items.map((b) => b.code));
    const lost = [...codes].filter((c) => !stored.has(c));
    assert.deepEqual(lost, [], 'every 201 is in the database');
  } finally {
    await server.stop();
  }
});
