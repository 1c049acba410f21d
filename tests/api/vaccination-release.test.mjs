// SPEC V10 (automatic release of unattended bookings, exactly once, also across a restart) and
// V8 (the day-before reminder and the SMS of a system cancellation). The server runs without
// its background jobs; the tests move the clock and run the jobs through the test route. The
// last test restarts the server with the background jobs on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { cityDate, startServer } from './lib/harness.mjs';
import {
  HOUR,
  VAX,
  auditRows,
  book,
  bookFor,
  cityMs,
  clockOffset,
  clockTo,
  createSlot,
  getBooking,
  getSlot,
  maskPhone,
  resetClock,
  runJobs,
  smsWith,
  vaxWorld,
} from './lib/vax.mjs';

let server;
let admin;
let vx;
let token;
let grid;

before(async () => {
  server = await startServer();
  admin = await server.login('admin');
  vx = await vaxWorld(admin);
  token = vx.links.get('永红街道').token;
  grid = vx.node('永红社区').id;
});

after(async () => {
  await server?.stop();
});

const anon = () => server.client();
const freshSlot = (extra = {}) => createSlot(admin, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.vero.id, ...extra });
/** Moves the clock to `ms`, runs the jobs there and returns their counts. */
async function jobsAt(ms) {
  await clockTo(anon(), ms);
  return runJobs(anon());
}
/** The admin's view after moving the clock back (sessions last 12 hours of clock time). */
async function fresh() {
  await resetClock(anon());
  admin = await server.login('admin');
  return admin;
}

test('V10: 60 minutes after the window starts an unattended booking is released, its place returns, an SMS tells', async () => {
  const day = cityDate(2);
  const slot = await freshSlot({ date: day, startTime: '08:00', endTime: '12:00', quota: 2 });
  const { booking, sent } = await bookFor(server, admin, { token, slotId: slot.id, gridId: grid });
  const kept = (await bookFor(server, admin, { token, slotId: slot.id, gridId: grid })).booking;
  assert.equal(booking.releaseAt, cityMs(day, '09:00'), 'due at the window start + 60 minutes');
  assert.equal((await admin.post(`${VAX}/bookings/${kept.id}/checkin`)).status, 200, 'a checked-in booking is kept');
  let rebooked;
  try {
    const early = await jobsAt(cityMs(day, '08:59'));
    assert.equal(early.released, 0, 'not yet due');
    await fresh();
    assert.equal((await getBooking(admin, booking.id)).status, 'booked');

    const due = await jobsAt(cityMs(day, '09:01'));
    assert.equal(due.released, 1, 'exactly the one unattended booking');
    const again = await runJobs(anon());
    assert.equal(again.released, 0, 'a second run releases nothing more');

    // While the window is open the place is offered again.
    const page = (await anon().get(`/api/v1/public/vaccination/links/${token}`)).body;
    assert.equal(page.slots.find((s) => s.id === slot.id)?.remaining, 1);
    rebooked = (await book(anon(), { token, slotId: slot.id, gridId: grid }, { expect: 201 })).body;
  } finally {
    await fresh();
  }
  const b = await getBooking(admin, booking.id);
  assert.equal(b.status, 'cancelled');
  assert.equal(b.cancelBy, 'system');
  assert.equal(b.releaseAt, null);
  const k = await getBooking(admin, kept.id);
  assert.equal(k.status, 'booked', 'the checked-in booking stays');
  assert.equal((await getSlot(admin, slot.id)).booked, 2, 'one kept, one rebooked');
  const sms = (await smsWith(admin, booking.name)).filter((m) => m.template === 'vax_released');
  assert.equal(sms.length, 1, 'one release notice');
  assert.equal(sms[0].phone, maskPhone(sent.phone));
  assert.equal((await auditRows(admin, 'vax_booking', booking.id, 'release')).length, 1);
  assert.equal((await admin.get(`${VAX}/bookings?slotId=${slot.id}&status=cancelled`)).body.items[0].cancelBy, 'system');
  // Leave nothing waiting that later tests' jobs would release.
  const again = (await admin.get(`${VAX}/bookings?keyword=${rebooked.code}`)).body.items[0];
  assert.equal((await admin.post(`${VAX}/bookings/${again.id}/cancel`)).status, 200);
});

test('V10: a booking made after the window started is released 60 minutes after it was made', async () => {
  const day = cityDate(2);
  const slot = await freshSlot({ date: day, startTime: '08:00', endTime: '18:00' });
  let booking;
  try {
    await clockTo(anon(), cityMs(day, '10:00'));
    const a = await server.login('admin');
    booking = (await bookFor(server, a, { token, slotId: slot.id, gridId: grid })).booking;
    assert.ok(Math.abs(booking.releaseAt - (cityMs(day, '11:00'))) < 60e3, 'booking time + 60 minutes');
    assert.equal((await jobsAt(cityMs(day, '10:58'))).released, 0);
    assert.equal((await jobsAt(cityMs(day, '11:01'))).released, 1);
  } finally {
    await fresh();
  }
  assert.equal((await getBooking(admin, booking.id)).cancelBy, 'system');
});

test('V10: nothing is released of bookings that are checked in, vaccinated or cancelled meanwhile', async () => {
  const day = cityDate(2);
  const slot = await freshSlot({ date: day, startTime: '08:00', endTime: '12:00' });
  const checked = (await bookFor(server, admin, { token, slotId: slot.id, gridId: grid })).booking;
  const given = (await bookFor(server, admin, { token, slotId: slot.id, gridId: grid })).booking;
  const cancelled = (await bookFor(server, admin, { token, slotId: slot.id, gridId: grid })).booking;
  assert.equal((await admin.post(`${VAX}/bookings/${checked.id}/checkin`)).status, 200);
  assert.equal((await admin.post(`${VAX}/bookings/${given.id}/vaccinate`, { lotNo: 'L1', vaccinator: '甲' })).status, 200);
  assert.equal((await admin.post(`${VAX}/bookings/${cancelled.id}/cancel`)).status, 200);
  try {
    assert.equal((await jobsAt(cityMs(day, '13:00'))).released, 0);
  } finally {
    await fresh();
  }
  assert.equal((await getBooking(admin, checked.id)).status, 'booked');
  assert.equal((await getBooking(admin, given.id)).status, 'booked');
  assert.equal((await getBooking(admin, cancelled.id)).cancelBy, 'admin');
  assert.equal((await getSlot(admin, slot.id)).booked, 2);
  assert.equal((await smsWith(admin, cancelled.name)).filter((m) => m.template === 'vax_released').length, 0);
});

test('V10: releaseMinutes per type: 0 turns the rule off (also for waiting bookings); a new N re-times them', async () => {
  const orig = (await admin.get(`${VAX}/settings`)).body;
  const day = cityDate(2);
  const personal = await freshSlot({ date: day, startTime: '08:00', endTime: '20:00' });
  const group = await freshSlot({ date: day, startTime: '08:00', endTime: '20:00', type: 'group' });
  const groupToken = (await admin.get(`${VAX}/links`)).body.items.find((l) => l.name === '永红街道').groupToken;
  const waiting = (await bookFor(server, admin, { token, slotId: personal.id, gridId: grid })).booking;
  const grouped = (await bookFor(server, admin, { token: groupToken, slotId: group.id, gridId: grid })).booking;
  try {
    const off = await admin.put(`${VAX}/settings`, { ...orig, releaseMinutes: { personal: 0, group: 30, foreign: 60 } });
    assert.equal(off.status, 200, off.text);
    assert.equal((await getBooking(admin, waiting.id)).releaseAt, null, 'a waiting booking no longer falls due');
    assert.equal((await getBooking(admin, grouped.id)).releaseAt, cityMs(day, '08:30'), 'group: re-timed to 30 minutes');
    const later = (await bookFor(server, admin, { token, slotId: personal.id, gridId: grid })).booking;
    assert.equal(later.releaseAt, null);

    const counts = await jobsAt(cityMs(day, '19:00'));
    assert.equal(counts.released, 1, 'only the group booking');
    await fresh();
    assert.equal((await getBooking(admin, waiting.id)).status, 'booked');
    assert.equal((await getBooking(admin, later.id)).status, 'booked');
    assert.equal((await getBooking(admin, grouped.id)).cancelBy, 'system');

    // Back to 60: the waiting bookings fall due again.
    assert.equal((await admin.put(`${VAX}/settings`, orig)).status, 200);
    assert.equal((await getBooking(admin, waiting.id)).releaseAt, cityMs(day, '09:00'));
    assert.equal((await jobsAt(cityMs(day, '09:30'))).released, 2);
  } finally {
    await fresh();
    assert.equal((await admin.put(`${VAX}/settings`, orig)).status, 200);
  }
  assert.equal((await getBooking(admin, waiting.id)).cancelBy, 'system');
});

test('V8: the reminder SMS is queued the day before at 10:00, exactly once', async () => {
  const day = cityDate(3);
  const slot = await freshSlot({ date: day, startTime: '08:00', endTime: '12:00' });
  const { booking, sent } = await bookFor(server, admin, { token, slotId: slot.id, gridId: grid });
  const reminders = async () => {
    await fresh();
    return (await smsWith(admin, booking.code)).filter((m) => m.template === 'vax_reminder');
  };
  const eve = cityDate(2);
  let late;
  try {
    await jobsAt(cityMs(eve, '09:59'));
    assert.equal((await reminders()).length, 0, 'not before 10:00 of the day before');
    // Someone booking after that moment gets no reminder (the confirmation says it all).
    await clockTo(anon(), cityMs(eve, '11:00'));
    late = await book(anon(), { token, slotId: slot.id, gridId: grid }, { expect: 201 });
    const due = await jobsAt(cityMs(eve, '11:30'));
    assert.ok(due.reminded >= 1);
    const r = await reminders();
    assert.equal(r.length, 1);
    assert.equal(r[0].phone, maskPhone(sent.phone));
    assert.match(r[0].content, /明天/);
    assert.ok(r[0].content.includes('08:00'));
    await clockTo(anon(), cityMs(eve, '12:00'));
    assert.equal((await runJobs(anon())).reminded, 0, 'a second run sends nothing');
    await jobsAt(cityMs(day, '07:00'));
    assert.equal((await reminders()).length, 1, 'exactly once');
  } finally {
    await fresh();
  }
  assert.equal((await smsWith(admin, late.body.code)).filter((m) => m.template === 'vax_reminder').length, 0);
  // A cancelled booking is not reminded.
  const slot2 = await freshSlot({ date: day, startTime: '13:00', endTime: '17:00' });
  const gone = (await bookFor(server, admin, { token, slotId: slot2.id, gridId: grid })).booking;
  assert.equal((await admin.post(`${VAX}/bookings/${gone.id}/cancel`)).status, 200);
  try {
    await jobsAt(cityMs(eve, '10:30'));
  } finally {
    await fresh();
  }
  assert.equal((await smsWith(admin, gone.code)).filter((m) => m.template === 'vax_reminder').length, 0);
});

test('V10/B1: two server processes running the jobs at once release each due booking exactly once', async () => {
  // The slot's one day must hold both "2 hours ago" and "now": in the city's first hours of a
  // day, both servers' clocks go back to the evening before.
  const intoDay = (Date.now() + 8 * HOUR) % (24 * HOUR);
  const shift = intoDay < 3 * HOUR ? -(intoDay + HOUR) : 0;
  // Booked "2 hours ago" (clock moved back) into a window that began before: due an hour ago.
  const then = Date.now() + shift - 2 * HOUR;
  const day = new Date(then + 8 * HOUR).toISOString().slice(0, 10);
  const slot = await freshSlot({ date: day, startTime: '00:00', endTime: '24:00', quota: 30 });
  let due;
  const peer = await server.peer();
  try {
    await clockOffset(anon(), shift - 2 * HOUR);
    due = await Promise.all(Array.from({ length: 12 }, () => book(anon(), { token, slotId: slot.id, gridId: grid }, { expect: 201 })));
    await Promise.all([clockOffset(anon(), shift), clockOffset(peer.client(), shift)]);
    // Three bookings made now are not due for another hour.
    for (let i = 0; i < 3; i++) await book(anon(), { token, slotId: slot.id, gridId: grid }, { expect: 201 });
    assert.equal((await getSlot(admin, slot.id)).booked, 15);
    const runs = await Promise.all([...Array(3)].flatMap(() => [runJobs(anon()), runJobs(peer.client())]));
    assert.equal(runs.reduce((n, r) => n + r.released, 0), 12, `released per run: ${runs.map((r) => r.released)}`);
  } finally {
    await resetClock(anon());
    await peer.stop();
  }
  const s = await getSlot(admin, slot.id);
  assert.equal(s.booked, 3, 'each place came back once');
  const rows = await admin.all(`${VAX}/bookings?slotId=${slot.id}&status=cancelled`);
  assert.equal(rows.length, 12);
  assert.ok(rows.every((r) => r.cancelBy === 'system'));
  const notices = (await admin.all('/api/v1/notify/sms')).filter((m) => m.template === 'vax_released' && due.some((d) => m.content.includes(d.sent.name)));
  assert.equal(notices.length, 12, 'one SMS per released booking');
  for (const r of rows) assert.equal((await auditRows(admin, 'vax_booking', r.id, 'release')).length, 1);
});

test('V10: a booking that fell due while the server was down is released after a restart, once', async () => {
  // Booked "2 hours ago" (the clock moved back) into a window that began before: due an hour ago.
  const then = Date.now() - 2 * HOUR;
  const day = new Date(then + 8 * HOUR).toISOString().slice(0, 10);
  const slot = await freshSlot({ date: day, startTime: '00:00', endTime: '24:00' });
  let booking;
  try {
    await clockOffset(anon(), -2 * HOUR);
    booking = (await bookFor(server, admin, { token, slotId: slot.id, gridId: grid })).booking;
  } finally {
    await resetClock(anon());
  }
  assert.ok(booking.releaseAt <= Date.now() - HOUR + 60e3, 'already due');
  await server.restart({ jobs: true });
  admin = await server.login('admin');
  // The background jobs run at start; wait for them (bounded) rather than for a fixed time.
  const deadline = Date.now() + 15000;
  let b = await getBooking(admin, booking.id);
  while (b.status !== 'cancelled' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    b = await getBooking(admin, booking.id);
  }
  assert.equal(b.status, 'cancelled', 'released by the restarted server');
  assert.equal(b.cancelBy, 'system');
  assert.equal((await runJobs(anon())).released, 0, 'nothing is left to release');
  assert.equal((await smsWith(admin, booking.name)).filter((m) => m.template === 'vax_released').length, 1);
  assert.equal((await getSlot(admin, slot.id)).booked, 0);
});
