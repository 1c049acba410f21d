// SPEC V2 (vaccination sites and their staff), V12 (entry check by site staff: sign-in with
// name + pass code, search by QR code, short code or ID number, admission window) and V13
// (vaccination and not-vaccinated write-off).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { cityDate, createReadyUser, errorFields, expectProblem, startServer, uniq } from './lib/harness.mjs';
import {
  PUB,
  SITE,
  VAX,
  auditRows,
  book,
  bookFor,
  cityMs,
  clockTo,
  createSite,
  createSlot,
  createStaff,
  getBooking,
  getSlot,
  idNumber,
  linkPage,
  maskId,
  resetClock,
  siteClient,
  staffOf,
  vaxWorld,
} from './lib/vax.mjs';

let server;
let admin;
let yonghong;
let beigang;
let vx;
let token;
let grid;

before(async () => {
  server = await startServer();
  [admin, yonghong, beigang] = await Promise.all(['admin', 'yonghong', 'beigang'].map((u) => server.login(u)));
  vx = await vaxWorld(admin);
  token = vx.links.get('永红街道').token;
  grid = vx.node('永红社区').id;
});

after(async () => {
  await server?.stop();
});

const anon = () => server.client();
const street = () => vx.node('永红街道').id;
/** A fresh site of 永红街道 with a slot (vero unless told) and a signed-in staff member. */
async function siteWithSlot(slot = {}) {
  const site = await createSite(yonghong, street());
  const s = await createSlot(yonghong, { siteId: site.id, vaccineId: vx.vaccines.vero.id, ...slot });
  const staff = await staffOf(server, yonghong, site.id);
  return { site, slot: s, staff };
}
const search = (staff, body) => staff.post(`${SITE}/bookings/search`, body);
/** Moves the clock and signs the staff member in again (staff sessions last 12 hours). */
async function staffAt(staff, ms) {
  const now = await clockTo(anon(), ms);
  const res = await staff.staffLogin(staff.staff.name, staff.passcode);
  assert.equal(res.status, 200, res.text);
  return now;
}

// ------------------------------------------------------------------ V2 sites and staff

test('V2: a street admin creates, edits and disables a site of its street', async () => {
  const res = await yonghong.post(`${VAX}/sites`, { streetId: street(), name: uniq('永红接种点'), address: '永红路5号' });
  assert.equal(res.status, 201, res.text);
  const site = res.body;
  assert.equal(site.streetId, street());
  assert.equal(site.streetName, '永红街道');
  assert.equal(site.districtName, '钟楼区');
  assert.equal(site.address, '永红路5号');
  assert.equal(site.enabled, true);
  assert.equal(site.staffCount, 0);
  assert.ok((await yonghong.all(`${VAX}/sites`)).some((s) => s.id === site.id));
  assert.equal((await auditRows(admin, 'vax_site', site.id, 'create')).length, 1);

  const upd = await yonghong.put(`${VAX}/sites/${site.id}`, { streetId: street(), name: `${site.name}改`, address: '永红路6号' });
  assert.equal(upd.status, 200, upd.text);
  assert.equal(upd.body.name, `${site.name}改`);
  assert.equal(upd.body.address, '永红路6号');

  expectProblem(assert, await yonghong.post(`${VAX}/sites`, { streetId: street(), name: `${site.name}改` }), 409, 'site_exists');
  const inGrid = await admin.post(`${VAX}/sites`, { streetId: grid, name: uniq('网格接种点') });
  expectProblem(assert, inGrid, 422, undefined, 'a site belongs to a street');
  assert.deepEqual(errorFields(inGrid), ['streetId']);

  const off = await yonghong.post(`${VAX}/sites/${site.id}/status`, { enabled: false });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.body.enabled, false);
  assert.ok((await yonghong.all(`${VAX}/sites?enabled=false`)).some((s) => s.id === site.id));
  assert.ok(!(await yonghong.all(`${VAX}/sites?enabled=true`)).some((s) => s.id === site.id));
  assert.equal((await auditRows(admin, 'vax_site', site.id, 'status')).length, 1);
});

test('V2: a street admin cannot create or see sites of another street', async () => {
  const before = (await admin.get(`${VAX}/sites?pageSize=1`)).body.total;
  const res = await yonghong.post(`${VAX}/sites`, { streetId: vx.node('北港街道').id, name: uniq('越界接种点') });
  assert.ok([403, 404].includes(res.status), `${res.status} ${res.text}`);
  assert.equal((await admin.get(`${VAX}/sites?pageSize=1`)).body.total, before);
  const mine = await yonghong.all(`${VAX}/sites`);
  assert.ok(mine.length >= 1 && mine.every((s) => s.streetName === '永红街道'));
  const theirs = await beigang.all(`${VAX}/sites`);
  assert.ok(theirs.every((s) => s.streetName === '北港街道'));
  const bgSite = vx.sites.get('北港街道');
  assert.ok([403, 404].includes((await yonghong.put(`${VAX}/sites/${bgSite.id}`, { streetId: street(), name: uniq('抢') })).status));
});

test('V2/V12: staff: the pass code is shown once; sign-in with name + pass code; wrong code 401', async () => {
  const site = await createSite(yonghong, street());
  const res = await yonghong.post(`${VAX}/staff`, { siteId: site.id, name: '刘护士' });
  assert.equal(res.status, 201, res.text);
  const { passcode, ...staff } = res.body;
  assert.match(passcode, /^\d{10}$/, 'a 10-digit pass code to type on a phone');
  assert.equal(staff.siteId, site.id);
  assert.equal(staff.siteName, site.name);
  assert.equal(staff.enabled, true);
  const listed = (await yonghong.all(`${VAX}/staff?siteId=${site.id}`)).find((s) => s.id === staff.id);
  assert.ok(listed);
  assert.ok(!('passcode' in listed), 'the list never shows the pass code');
  assert.ok(!(await yonghong.get(`${VAX}/staff?siteId=${site.id}`)).text.includes(passcode));
  assert.ok(!(await auditRows(admin, 'vax_staff', staff.id)).some((a) => JSON.stringify(a).includes(passcode)), 'nor the audit trail');
  assert.equal((await yonghong.all(`${VAX}/sites`)).find((s) => s.id === site.id).staffCount, 1);

  const c = siteClient(server);
  expectProblem(assert, await c.staffLogin('刘护士', '0000000000'), 401, 'invalid_credentials');
  expectProblem(assert, await c.staffLogin('王护士', passcode), 401, 'invalid_credentials', 'the name must match too');
  expectProblem(assert, await c.get(`${SITE}/me`), 401);
  const login = await c.staffLogin('刘护士', passcode);
  assert.equal(login.status, 200, login.text);
  assert.deepEqual(login.body.staff, { id: staff.id, name: '刘护士' });
  assert.equal(login.body.site.id, site.id);
  assert.equal(login.body.site.streetName, '永红街道');
  assert.ok(login.setCookie.some((x) => /^fy_staff=.+;.*HttpOnly/i.test(x)), 'an HttpOnly staff cookie');
  const me = await c.get(`${SITE}/me`);
  assert.equal(me.status, 200);
  assert.equal(me.body.site.name, site.name);
  // An admin session is no staff session.
  expectProblem(assert, await yonghong.post(`${SITE}/bookings/search`, { short: '1234' }), 401);
  // Writes need the CSRF token of the staff session.
  expectProblem(assert, await c.post(`${SITE}/bookings/search`, { short: '1234' }, { csrf: false }), 403, 'csrf_failed');

  // A new pass code: the old one and its sessions end.
  const reset = await yonghong.post(`${VAX}/staff/${staff.id}/passcode`);
  assert.equal(reset.status, 200, reset.text);
  assert.notEqual(reset.body.passcode, passcode);
  expectProblem(assert, await c.get(`${SITE}/me`), 401, undefined, 'the session ended');
  expectProblem(assert, await siteClient(server).staffLogin('刘护士', passcode), 401, 'invalid_credentials');
  const again = siteClient(server);
  assert.equal((await again.staffLogin('刘护士', reset.body.passcode)).status, 200);
  assert.equal((await again.post(`${SITE}/logout`)).status, 204);
  expectProblem(assert, await again.get(`${SITE}/me`), 401, undefined, 'signed out');
});

test('V12: disabled staff, or staff of a disabled site, cannot sign in, and their sessions end', async () => {
  const site = await createSite(yonghong, street());
  const { staff, passcode } = await createStaff(yonghong, site.id, '赵护士');
  const c = siteClient(server);
  assert.equal((await c.staffLogin('赵护士', passcode)).status, 200);
  const off = await yonghong.post(`${VAX}/staff/${staff.id}/status`, { enabled: false });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.body.enabled, false);
  expectProblem(assert, await c.get(`${SITE}/me`), 401);
  expectProblem(assert, await siteClient(server).staffLogin('赵护士', passcode), 401, 'invalid_credentials');
  assert.equal((await yonghong.post(`${VAX}/staff/${staff.id}/status`, { enabled: true })).status, 200);
  const c2 = siteClient(server);
  assert.equal((await c2.staffLogin('赵护士', passcode)).status, 200);
  // The whole site disabled: its staff are out, its slots offline.
  const slot = await createSlot(yonghong, { siteId: site.id, vaccineId: vx.vaccines.vero.id });
  assert.equal((await yonghong.post(`${VAX}/sites/${site.id}/status`, { enabled: false })).status, 200);
  expectProblem(assert, await c2.get(`${SITE}/me`), 401);
  expectProblem(assert, await siteClient(server).staffLogin('赵护士', passcode), 401, 'invalid_credentials');
  assert.ok(!(await linkPage(anon(), token)).slots.some((s) => s.id === slot.id), 'the slots of a disabled site are not offered');
  expectProblem(assert, await book(anon(), { token, slotId: slot.id, gridId: grid }), 409, 'slot_closed', 'nor bookable');
  expectProblem(assert, await yonghong.post(`${VAX}/staff`, { siteId: vx.sites.get('北港街道').id, name: '越界' }), 404);
});

test('X1: a street moved to another district takes its sites, staff, slots and bookings with it', async () => {
  const street = (await admin.post('/api/v1/region/nodes', { parentId: vx.node('钟楼区').id, name: uniq('搬迁街道'), population: 500 })).body;
  const g = (await admin.post('/api/v1/region/nodes', { parentId: street.id, name: uniq('搬迁社区'), kind: 'community', population: 300 })).body;
  const site = await createSite(admin, street.id);
  const slot = await createSlot(admin, { siteId: site.id, vaccineId: vx.vaccines.vero.id });
  const { staff } = await createStaff(admin, site.id);
  const link = (await admin.get(`${VAX}/links`)).body.items.find((l) => l.regionId === street.id);
  const { booking } = await bookFor(server, admin, { token: link.token, slotId: slot.id, gridId: g.id });
  const zhonglou = await server.login('zhonglou');
  const tianning = (await createReadyUser(server, admin, { regionId: vx.node('天宁区').id, roleIds: [vx.roles.get('district_admin').id] })).client;
  const sees = async (c) => ({
    site: (await c.all(`${VAX}/sites`)).some((x) => x.id === site.id),
    staff: (await c.all(`${VAX}/staff`)).some((x) => x.id === staff.id),
    slot: (await c.get(`${VAX}/slots/${slot.id}`)).status === 200,
    booking: (await c.get(`${VAX}/bookings/${booking.id}`)).status === 200,
    listed: (await c.get(`${VAX}/bookings?keyword=${booking.code}`)).body.total === 1,
  });
  const all = { site: true, staff: true, slot: true, booking: true, listed: true };
  const none = { site: false, staff: false, slot: false, booking: false, listed: false };
  assert.deepEqual(await sees(zhonglou), all);
  assert.deepEqual(await sees(tianning), none);

  const moved = await admin.post(`/api/v1/region/nodes/${street.id}/move`, { parentId: vx.node('天宁区').id });
  assert.equal(moved.status, 200, moved.text);
  assert.deepEqual(await sees(tianning), all, 'the new district sees the street’s vaccination records');
  assert.deepEqual(await sees(zhonglou), none, 'the old district no longer does');
  assert.equal((await tianning.post(`${VAX}/bookings/${booking.id}/checkin`)).status, 200, 'and the new district can work on them');
  const stats = (await tianning.get(`${VAX}/stats/regions?regionId=${vx.node('天宁区').id}`)).body.rows.map((r) => r.regionId);
  assert.ok(stats.includes(street.id));
});

// ------------------------------------------------------------------ V12 entry check

test('V12: staff find a booking by code, by the last 4 or 6 ID characters, or by the full ID', async () => {
  const { slot, staff } = await siteWithSlot();
  const id = idNumber();
  const { booking } = await bookFor(server, yonghong, { token, slotId: slot.id, gridId: grid, idNumber: id });
  const other = (await bookFor(server, yonghong, { token, slotId: slot.id, gridId: grid })).booking;
  const codes = async (body) => {
    const res = await search(staff, body);
    assert.equal(res.status, 200, `${JSON.stringify(body)}: ${res.text}`);
    return res.body.items.map((b) => b.code);
  };
  assert.deepEqual(await codes({ code: booking.code }), [booking.code]);
  assert.deepEqual(await codes({ idNumber: id }), [booking.code]);
  assert.deepEqual(await codes({ idNumber: id.toLowerCase() }), [booking.code]);
  assert.deepEqual(await codes({ short: id.slice(-6) }), [booking.code]);
  const four = await search(staff, { short: id.slice(-4) });
  assert.ok(four.body.items.some((b) => b.code === booking.code));
  assert.ok(four.body.items.every((b) => b.idMasked.endsWith(id.slice(-4))), 'only bookings with that tail');
  assert.ok(!four.body.items.some((b) => b.code === other.code) || other.idMasked.endsWith(id.slice(-4)));
  const item = (await search(staff, { code: booking.code })).body.items[0];
  assert.equal(item.idMasked, maskId(id), 'staff see the ID masked');
  assert.equal(item.name, booking.name);
  assert.equal(typeof item.admissible, 'boolean');
  assert.equal(item.windowFrom, cityMs(slot.date, '08:00') - 2 * 3600e3);
  assert.equal(item.windowTo, cityMs(slot.date, '20:00') + 2 * 3600e3);
  assert.deepEqual(await codes({ code: '000000000000000000' }), []);

  for (const body of [{ short: '123' }, { short: '1234567' }, {}, { short: '1234', code: booking.code }]) {
    const res = await search(staff, body);
    expectProblem(assert, res, 422, undefined, JSON.stringify(body));
  }
  // Cancelled bookings are not found.
  assert.equal((await yonghong.post(`${VAX}/bookings/${other.id}/cancel`)).status, 200);
  assert.deepEqual(await codes({ code: other.code }), []);
});

test('V12: staff see and act on bookings of their own site only', async () => {
  const a = await siteWithSlot();
  const b = await siteWithSlot();
  const id = idNumber();
  const atB = (await bookFor(server, yonghong, { token, slotId: b.slot.id, gridId: grid, idNumber: id })).booking;
  for (const body of [{ code: atB.code }, { idNumber: id }, { short: id.slice(-6) }]) {
    const res = await search(a.staff, body);
    assert.equal(res.status, 200);
    assert.ok(!res.body.items.some((x) => x.code === atB.code), `staff of A do not find B's booking by ${Object.keys(body)}`);
  }
  expectProblem(assert, await a.staff.post(`${SITE}/bookings/${atB.id}/checkin`), 404);
  expectProblem(assert, await a.staff.post(`${SITE}/bookings/${atB.id}/vaccinate`, { lotNo: 'L', vaccinator: 'X' }), 404);
  expectProblem(assert, await a.staff.post(`${SITE}/bookings/${atB.id}/not-vaccinated`, { reason: 'absent' }), 404);
  const after = await getBooking(yonghong, atB.id);
  assert.equal(after.checkedIn, false);
  assert.equal(after.status, 'booked');
  assert.deepEqual(
    (await search(b.staff, { code: atB.code })).body.items.map((x) => x.code),
    [atB.code],
  );
  // Staff of a 北港 site do not find 永红 bookings either.
  const bg = await staffOf(server, beigang, vx.sites.get('北港街道').id);
  assert.deepEqual((await search(bg, { code: atB.code })).body.items, []);
});

test('V12: admission from 2 hours before to 2 hours after the window; outside → 409 not_admissible', async () => {
  const day = cityDate(1);
  const { slot, staff } = await siteWithSlot({ date: day, startTime: '08:00', endTime: '12:00' });
  const { booking } = await bookFor(server, yonghong, { token, slotId: slot.id, gridId: grid });
  const late = (await bookFor(server, yonghong, { token, slotId: slot.id, gridId: grid })).booking;
  try {
    await staffAt(staff, cityMs(day, '05:59'));
    const early = (await search(staff, { code: booking.code })).body.items[0];
    assert.equal(early.admissible, false, '2 h 1 min before the window');
    expectProblem(assert, await staff.post(`${SITE}/bookings/${booking.id}/checkin`), 409, 'not_admissible');
    expectProblem(assert, await staff.post(`${SITE}/bookings/${booking.id}/vaccinate`, { lotNo: 'L1', vaccinator: '甲' }), 409, 'not_admissible');

    await clockTo(anon(), cityMs(day, '06:01'));
    assert.equal((await search(staff, { code: booking.code })).body.items[0].admissible, true, '1 h 59 min before the window');
    const ci = await staff.post(`${SITE}/bookings/${booking.id}/checkin`);
    assert.equal(ci.status, 200, ci.text);
    assert.equal(ci.body.checkedIn, true);
    assert.ok(Math.abs(ci.body.checkedInAt - cityMs(day, '06:01')) < 60e3, 'checked in now (moved clock)');
    expectProblem(assert, await staff.post(`${SITE}/bookings/${booking.id}/checkin`), 409, 'already_checked_in');

    await clockTo(anon(), cityMs(day, '14:01'));
    assert.equal((await search(staff, { code: late.code })).body.items[0].admissible, false, '2 h 1 min after the window');
    expectProblem(assert, await staff.post(`${SITE}/bookings/${late.id}/checkin`), 409, 'not_admissible');
    await clockTo(anon(), cityMs(day, '13:59'));
    assert.equal((await staff.post(`${SITE}/bookings/${late.id}/checkin`)).status, 200);
  } finally {
    await resetClock(anon());
  }
  const y = yonghong;
  assert.equal((await getBooking(y, booking.id)).checkedIn, true);
  assert.equal((await y.get(`${VAX}/bookings?slotId=${slot.id}&checkedIn=true`)).body.total, 2);
  assert.equal((await auditRows(admin, 'vax_booking', booking.id, 'checkin')).length, 1);
});

// ------------------------------------------------------------------ V13 write-off

test('V13: vaccinate with lot and vaccinator; the next dose (vero dose 2) is bookable only 21 days later', async () => {
  const day = cityDate(1);
  const { slot, staff } = await siteWithSlot({ date: day, startTime: '08:00', endTime: '12:00' });
  const id = idNumber();
  const { booking } = await bookFor(server, yonghong, { token, slotId: slot.id, gridId: grid, idNumber: id });
  const dose2Early = await createSlot(yonghong, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.vero.id, date: cityDate(21) });
  const dose2OnTime = await createSlot(yonghong, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.vero.id, date: cityDate(22) });
  let at;
  try {
    at = await staffAt(staff, cityMs(day, '09:30'));
    const res = await staff.post(`${SITE}/bookings/${booking.id}/vaccinate`, { lotNo: '202611B07', vaccinator: '陈医生' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.vaccinated, true);
    assert.equal(res.body.checkedIn, true, 'vaccinating checks in as well');
    assert.equal(res.body.lotNo, '202611B07');
    assert.equal(res.body.vaccinator, '陈医生');
    assert.ok(Math.abs(res.body.vaccinatedAt - at) < 60e3, 'the time of vaccination is now');
    expectProblem(assert, await staff.post(`${SITE}/bookings/${booking.id}/vaccinate`, { lotNo: 'X', vaccinator: 'Y' }), 409, 'already_vaccinated');
    const missing = await staff.post(`${SITE}/bookings/${booking.id}/vaccinate`, {});
    expectProblem(assert, missing, 422);
    assert.deepEqual(errorFields(missing).sort(), ['lotNo', 'vaccinator']);

    // The day after, dose 2 is due on day + 21.
    const el = await anon().post(`${PUB}/eligibility`, { token, idType: 'id_card', idNumber: id });
    const vero = el.body.vaccines.find((v) => v.vaccineId === vx.vaccines.vero.id);
    assert.equal(vero.nextDose, 2);
    assert.equal(vero.reason, 'interval_not_met');
    assert.equal(vero.earliestDate, cityDate(22));
  } finally {
    await resetClock(anon());
  }
  const s = await getSlot(yonghong, slot.id);
  assert.equal(s.vaccinated, 1);
  assert.equal(s.booked, 1, 'a vaccinated booking keeps its place');
  const row = await getBooking(yonghong, booking.id);
  assert.equal(row.vaccinated, true);
  assert.equal(row.lotNo, '202611B07');
  assert.equal((await auditRows(admin, 'vax_booking', booking.id, 'vaccinate')).length, 1);
  const early = await book(anon(), { token, slotId: dose2Early.id, gridId: grid, idNumber: id, doseNo: 2 });
  expectProblem(assert, early, 422, 'not_eligible');
  assert.equal(early.body.errors[0].code, 'interval_not_met');
  const ok = await book(anon(), { token, slotId: dose2OnTime.id, gridId: grid, idNumber: id, doseNo: 2 }, { expect: 201 });
  assert.equal(ok.body.doseNo, 2);
});

test('V13: not vaccinated (reason) cancels the booking and returns the place', async () => {
  const day = cityDate(1);
  const { slot, staff } = await siteWithSlot({ date: day, startTime: '08:00', endTime: '12:00', quota: 2 });
  const { booking } = await bookFor(server, yonghong, { token, slotId: slot.id, gridId: grid });
  try {
    await staffAt(staff, cityMs(day, '08:30'));
    assert.equal((await staff.post(`${SITE}/bookings/${booking.id}/checkin`)).status, 200);
    const bad = await staff.post(`${SITE}/bookings/${booking.id}/not-vaccinated`, { reason: 'sleepy' });
    expectProblem(assert, bad, 422);
    assert.deepEqual(errorFields(bad), ['reason']);
    const res = await staff.post(`${SITE}/bookings/${booking.id}/not-vaccinated`, { reason: 'contraindication', note: '发热 38.5℃' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'cancelled');
    assert.equal(res.body.cancelBy, 'site');
    assert.match(res.body.cancelReason, /contraindication/);
    assert.match(res.body.cancelReason, /发热/);
    assert.equal(res.body.vaccinated, false);
    expectProblem(assert, await staff.post(`${SITE}/bookings/${booking.id}/vaccinate`, { lotNo: 'L', vaccinator: 'V' }), 409, 'not_active');
    expectProblem(assert, await staff.post(`${SITE}/bookings/${booking.id}/checkin`), 409, 'not_active');
  } finally {
    await resetClock(anon());
  }
  const s = await getSlot(yonghong, slot.id);
  assert.equal(s.booked, 0, 'the place is back');
  assert.equal(s.remaining, 2);
  assert.equal((await auditRows(admin, 'vax_booking', booking.id, 'not_vaccinated')).length, 1);
});
