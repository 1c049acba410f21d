// SPEC V1 (vaccine catalogue), the booking settings, V3 (time slots: counts, cut-off, lock and
// re-release, quota), V4/V5 (booking links, group links) and X9 (QR codes of the links).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { cityDate, errorFields, expectProblem, startServer, uniq } from './lib/harness.mjs';
import { PUB, VAX, auditRows, book, bookFor, cityMs, clockTo, createSite, createSlot, getSlot, idNumber, linkPage, resetClock, vaxWorld } from './lib/vax.mjs';

let server;
let admin;
let zhonglou;
let yonghong;
let vx;
let token; // 永红街道's personal link
let grid; // 永红社区
let site; // 永红街道's demo site

before(async () => {
  server = await startServer();
  [admin, zhonglou, yonghong] = await Promise.all(['admin', 'zhonglou', 'yonghong'].map((u) => server.login(u)));
  vx = await vaxWorld(admin);
  token = vx.links.get('永红街道').token;
  grid = vx.node('永红社区').id;
  site = vx.sites.get('永红街道');
});

after(async () => {
  await server?.stop();
});

const anon = () => server.client();

// ------------------------------------------------------------------ V1 vaccine catalogue

test('V1: the three default vaccines with their doses and interval rules (seed 002)', async () => {
  const res = await yonghong.get(`${VAX}/vaccines`);
  assert.equal(res.status, 200, res.text);
  const { vero, cho, adeno } = vx.vaccines;
  assert.ok(vero && cho && adeno, 'vero, CHO and adenovirus vaccines exist');
  assert.equal(vero.doses, 2);
  assert.deepEqual(vero.rules, [{ doseNo: 2, minDays: 21, maxDaysFromFirst: 56 }], 'vero: ≥ 21 days, 2nd within 8 weeks');
  assert.equal(cho.doses, 3);
  assert.deepEqual(
    cho.rules,
    [
      { doseNo: 2, minDays: 28, maxDaysFromFirst: 56 },
      { doseNo: 3, minDays: 28, maxDaysFromFirst: 183 },
    ],
    'CHO: ≥ 28 days between doses, 2nd within 8 weeks, 3rd within 6 months of the 1st',
  );
  assert.equal(adeno.doses, 1);
  assert.deepEqual(adeno.rules, []);
  for (const v of [vero, cho, adeno]) {
    assert.equal(v.enabled, true);
    assert.ok(v.name && v.nameEn && v.manufacturer && v.code, `${v.name}: name, English name, manufacturer, code`);
  }
  assert.deepEqual(
    res.body.items.slice(0, 3).map((v) => v.code),
    [vero.code, cho.code, adeno.code],
    'listed in sort order',
  );
});

test('V1: the city admin adds a vaccine with rules; it is listed, audited and usable for slots', async () => {
  const body = { name: uniq('测试疫苗'), code: uniq('T'), nameEn: 'Test vaccine', manufacturer: '测试厂', doses: 3, rules: [{ doseNo: 3, minDays: 30, maxDaysFromFirst: 200 }, { doseNo: 2, minDays: 14 }], sortOrder: 9 };
  const res = await admin.post(`${VAX}/vaccines`, body);
  assert.equal(res.status, 201, res.text);
  const v = res.body;
  assert.equal(v.name, body.name);
  assert.equal(v.code, body.code);
  assert.equal(v.doses, 3);
  assert.deepEqual(
    v.rules,
    [
      { doseNo: 2, minDays: 14, maxDaysFromFirst: null },
      { doseNo: 3, minDays: 30, maxDaysFromFirst: 200 },
    ],
    'rules sorted by dose; no due date where none was given',
  );
  const listed = (await yonghong.get(`${VAX}/vaccines`)).body.items.find((x) => x.id === v.id);
  assert.deepEqual(listed, v, 'street admins see the new vaccine');
  assert.equal((await auditRows(admin, 'vax_vaccine', v.id, 'create')).length, 1);
  // Slots of the street can use it at once.
  await createSlot(yonghong, { siteId: vx.sites.get('永红街道').id, vaccineId: v.id });

  const dup = await admin.post(`${VAX}/vaccines`, { ...body, name: uniq('另一个') });
  expectProblem(assert, dup, 409, 'vaccine_exists', 'same code');

  const upd = await admin.put(`${VAX}/vaccines/${v.id}`, { name: v.name, code: v.code, doses: 2, rules: [{ doseNo: 2, minDays: 10 }] });
  assert.equal(upd.status, 200, upd.text);
  assert.equal(upd.body.doses, 2);
  assert.deepEqual(upd.body.rules, [{ doseNo: 2, minDays: 10, maxDaysFromFirst: null }]);
});

test('V1: street and district admins cannot add, change or disable vaccines (403)', async () => {
  const before = (await admin.get(`${VAX}/vaccines`)).body;
  for (const [who, c] of [
    ['yonghong', yonghong],
    ['zhonglou', zhonglou],
  ]) {
    expectProblem(assert, await c.post(`${VAX}/vaccines`, { name: uniq('越权'), code: uniq('X'), doses: 1 }), 403, undefined, who);
    const v = vx.vaccines.vero;
    expectProblem(assert, await c.put(`${VAX}/vaccines/${v.id}`, { name: v.name, code: v.code, doses: 1 }), 403, undefined, who);
    expectProblem(assert, await c.post(`${VAX}/vaccines/${v.id}/status`, { enabled: false }), 403, undefined, who);
  }
  assert.deepEqual((await admin.get(`${VAX}/vaccines`)).body, before, 'the catalogue is unchanged');
});

test('V1: validation answers 422 naming every wrong field', async () => {
  const all = await admin.post(`${VAX}/vaccines`, { name: ' ', doses: 0, nameEn: 'x'.repeat(151) });
  expectProblem(assert, all, 422);
  for (const f of ['name', 'code', 'doses', 'nameEn']) assert.ok(errorFields(all).includes(f), `${f} named: ${all.text}`);
  const many = await admin.post(`${VAX}/vaccines`, { name: uniq('v'), code: uniq('c'), doses: 6 });
  expectProblem(assert, many, 422);
  assert.deepEqual(errorFields(many), ['doses']);
  for (const rules of [[{ doseNo: 3, minDays: 20 }], [{ doseNo: 1, minDays: 20 }], [{ doseNo: 2 }], [{ doseNo: 2, minDays: -1 }], 'x']) {
    const res = await admin.post(`${VAX}/vaccines`, { name: uniq('v'), code: uniq('c'), doses: 2, rules });
    expectProblem(assert, res, 422, undefined, JSON.stringify(rules));
    assert.deepEqual(errorFields(res), ['rules'], JSON.stringify(rules));
  }
});

test('V1: a disabled vaccine leaves the slot form and the public pages; enabling brings it back', async () => {
  const v = (await admin.post(`${VAX}/vaccines`, { name: uniq('停用疫苗'), code: uniq('D'), doses: 1 })).body;
  const site = vx.sites.get('永红街道');
  const slot = await createSlot(yonghong, { siteId: site.id, vaccineId: v.id });
  const token = vx.links.get('永红街道').token;
  assert.ok((await linkPage(anon(), token)).slots.some((s) => s.id === slot.id));
  assert.equal((await admin.post(`${VAX}/vaccines/${v.id}/status`, { enabled: false })).status, 200);
  assert.equal((await admin.get(`${VAX}/vaccines?enabled=true`)).body.items.some((x) => x.id === v.id), false, 'enabled=true hides it');
  assert.equal((await admin.get(`${VAX}/vaccines`)).body.items.find((x) => x.id === v.id).enabled, false);
  const slotRes = await yonghong.post(`${VAX}/slots`, { type: 'personal', vaccineId: v.id, siteId: site.id, date: cityDate(2), startTime: '08:00', endTime: '12:00', quota: 5 });
  expectProblem(assert, slotRes, 422);
  assert.deepEqual(errorFields(slotRes), ['vaccineId']);
  assert.ok(!(await linkPage(anon(), token)).slots.some((s) => s.id === slot.id), 'its slots are offline');
  const eligible = await anon().post(`${PUB}/eligibility`, { token, idType: 'id_card', idNumber: idNumber() });
  assert.ok(!eligible.body.vaccines.some((x) => x.vaccineId === v.id), 'not offered to citizens');
  const res = await book(anon(), { token, slotId: slot.id, gridId: vx.node('永红社区').id });
  expectProblem(assert, res, 409, 'slot_closed', 'a slot of a disabled vaccine cannot be booked');
  assert.equal((await admin.post(`${VAX}/vaccines/${v.id}/status`, { enabled: true })).status, 200);
  assert.ok((await linkPage(anon(), token)).slots.some((s) => s.id === slot.id));
  await book(anon(), { token, slotId: slot.id, gridId: vx.node('永红社区').id }, { expect: 201 });
});

// ------------------------------------------------------------------ settings

test('settings: defaults (target 0.44, age 18–120, release after 60 minutes per type, a notice)', async () => {
  const res = await yonghong.get(`${VAX}/settings`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.coverageTarget, 0.44);
  assert.equal(res.body.minAge, 18);
  assert.equal(res.body.maxAge, 120);
  assert.deepEqual(res.body.releaseMinutes, { personal: 60, group: 60, foreign: 60 });
  assert.match(res.body.notice, /接种/);
  assert.ok(res.body.noticeEn.length > 0);
  const page = await linkPage(anon(), vx.links.get('永红街道').token);
  assert.equal(page.notice, res.body.notice, 'the public page shows the notice (接种须知)');
  assert.equal(page.minAge, 18);
});

test('settings: only the city admin changes them (street and district admins 403); 422 names wrong fields; minAge applies to booking', async () => {
  const orig = (await admin.get(`${VAX}/settings`)).body;
  try {
    for (const [who, c] of [
      ['yonghong', yonghong],
      ['zhonglou', zhonglou],
    ])
      expectProblem(assert, await c.put(`${VAX}/settings`, { ...orig, coverageTarget: 0.9 }), 403, undefined, who);
    assert.equal((await admin.get(`${VAX}/settings`)).body.coverageTarget, 0.44);

    for (const [patch, field] of [
      [{ coverageTarget: 0 }, 'coverageTarget'],
      [{ coverageTarget: 1.5 }, 'coverageTarget'],
      [{ coverageTarget: '0.5' }, 'coverageTarget'],
      [{ minAge: 60, maxAge: 50 }, 'maxAge'],
      [{ releaseMinutes: { personal: -1, group: 60, foreign: 60 } }, 'releaseMinutes'],
      [{ releaseMinutes: { personal: 60 } }, 'releaseMinutes'],
      [{ notice: '' }, 'notice'],
    ]) {
      const res = await admin.put(`${VAX}/settings`, { ...orig, ...patch });
      expectProblem(assert, res, 422, undefined, JSON.stringify(patch));
      assert.ok(errorFields(res).includes(field), `${JSON.stringify(patch)} names ${field}: ${res.text}`);
    }

    const upd = await admin.put(`${VAX}/settings`, { ...orig, minAge: 60, notice: '新的接种须知' });
    assert.equal(upd.status, 200, upd.text);
    assert.equal(upd.body.minAge, 60);
    assert.equal((await auditRows(admin, 'vax_setting', undefined, 'update')).length >= 1, true, 'audited');
    const token = vx.links.get('永红街道').token;
    const page = await linkPage(anon(), token);
    assert.equal(page.minAge, 60);
    assert.equal(page.notice, '新的接种须知');
    const slot = page.slots.find((s) => s.vaccineId === vx.vaccines.vero.id && s.remaining > 0);
    const young = await book(anon(), { token, slotId: slot.id, gridId: vx.node('永红社区').id, idNumber: idNumber({ age: 40 }) });
    expectProblem(assert, young, 422, 'not_eligible');
    assert.equal(young.body.errors[0].code, 'under_age');
    await book(anon(), { token, slotId: slot.id, gridId: vx.node('永红社区').id, idNumber: idNumber({ age: 61 }) }, { expect: 201 });
  } finally {
    assert.equal((await admin.put(`${VAX}/settings`, orig)).status, 200);
  }
});

// ------------------------------------------------------------------ V3 slots

const slotBody = (extra = {}) => ({ type: 'personal', vaccineId: vx.vaccines.vero.id, siteId: site.id, date: cityDate(1), startTime: '08:00', endTime: '12:00', quota: 10, remark: '备注', ...extra });
const listed = async (slotId, query = '') => (await linkPage(anon(), token, query)).slots.some((s) => s.id === slotId);

test('V3: a street admin creates a slot with type, vaccine, date, window, site, quota and remark', async () => {
  const remark = '请携带身份证'.padEnd(255, '。');
  const res = await yonghong.post(`${VAX}/slots`, slotBody({ type: 'personal', vaccineId: vx.vaccines.cho.id, date: cityDate(2), startTime: '13:30', endTime: '17:00', quota: 25, remark }));
  assert.equal(res.status, 201, res.text);
  const s = res.body;
  assert.equal(s.type, 'personal');
  assert.equal(s.vaccineId, vx.vaccines.cho.id);
  assert.equal(s.vaccineName, vx.vaccines.cho.name);
  assert.equal(s.siteId, site.id);
  assert.equal(s.siteName, site.name);
  assert.equal(s.streetName, '永红街道');
  assert.equal(s.date, cityDate(2));
  assert.equal(s.startTime, '13:30');
  assert.equal(s.endTime, '17:00');
  assert.equal(s.quota, 25);
  assert.equal(s.booked, 0);
  assert.equal(s.remaining, 25);
  assert.equal(s.vaccinated, 0);
  assert.equal(s.remark, remark, 'a remark of 255 characters is kept');
  assert.equal(s.status, 'enabled');
  assert.equal(s.online, true);
  assert.equal(s.expired, false);
  assert.deepEqual(await getSlot(yonghong, s.id), s);
  assert.equal((await auditRows(admin, 'vax_slot', s.id, 'create')).length, 1);
  assert.ok(await listed(s.id), 'on the public page at once');

  for (const type of ['group', 'foreign']) {
    const t = await yonghong.post(`${VAX}/slots`, slotBody({ type }));
    assert.equal(t.status, 201, t.text);
    assert.equal(t.body.type, type);
  }
  const locked = await yonghong.post(`${VAX}/slots`, slotBody({ enabled: false }));
  assert.equal(locked.body.status, 'locked', 'created locked when enabled=false');
  assert.equal(locked.body.online, false);
});

test('V3: invalid slots → 422 naming the field (remark over 255, window, date, type, quota, site)', async () => {
  const cases = [
    [{ remark: 'x'.repeat(256) }, 'remark'],
    [{ remark: '备'.repeat(256) }, 'remark'],
    [{ endTime: '08:00' }, 'endTime'],
    [{ startTime: '12:00', endTime: '09:00' }, 'endTime'],
    [{ startTime: '8:00' }, 'startTime'],
    [{ endTime: '25:00' }, 'endTime'],
    [{ date: '2026-02-30' }, 'date'],
    [{ date: 'tomorrow' }, 'date'],
    [{ type: 'vip' }, 'type'],
    [{ quota: 0 }, 'quota'],
    [{ quota: -3 }, 'quota'],
    [{ vaccineId: 99999 }, null], // unknown vaccine: 404 or 422
  ];
  for (const [patch, field] of cases) {
    const res = await yonghong.post(`${VAX}/slots`, slotBody(patch));
    if (field) {
      expectProblem(assert, res, 422, undefined, JSON.stringify(patch));
      assert.deepEqual(errorFields(res), [field], JSON.stringify(patch));
    } else assert.ok([404, 422].includes(res.status), `${JSON.stringify(patch)} → ${res.status}`);
  }
  // A disabled site takes no new slots.
  const s = await createSite(yonghong, vx.node('永红街道').id);
  assert.equal((await yonghong.post(`${VAX}/sites/${s.id}/status`, { enabled: false })).status, 200);
  const res = await yonghong.post(`${VAX}/slots`, slotBody({ siteId: s.id }));
  expectProblem(assert, res, 422);
  assert.deepEqual(errorFields(res), ['siteId']);
});

test('V3: the list shows quota, booked, remaining and vaccinated, and filters', async () => {
  const slot = await createSlot(yonghong, { siteId: site.id, vaccineId: vx.vaccines.adeno.id, date: cityDate(0), startTime: '00:00', endTime: '24:00', quota: 10 });
  const made = [];
  for (let i = 0; i < 4; i++) made.push((await bookFor(server, yonghong, { token, slotId: slot.id, gridId: grid })).booking);
  assert.equal((await yonghong.post(`${VAX}/bookings/${made[0].id}/cancel`)).status, 200);
  assert.equal((await yonghong.post(`${VAX}/bookings/${made[1].id}/vaccinate`, { lotNo: 'L9', vaccinator: '护士甲' })).status, 200);
  const s = await getSlot(yonghong, slot.id);
  assert.deepEqual({ quota: s.quota, booked: s.booked, remaining: s.remaining, vaccinated: s.vaccinated }, { quota: 10, booked: 3, remaining: 7, vaccinated: 1 });

  const list = await yonghong.all(`${VAX}/slots?siteId=${site.id}&date=${cityDate(0)}&vaccineId=${vx.vaccines.adeno.id}`);
  assert.deepEqual(
    list.map((x) => x.id),
    [slot.id],
  );
  assert.equal(list[0].remaining, 7);
  const groups = await yonghong.all(`${VAX}/slots?type=group`);
  assert.ok(groups.length >= 1 && groups.every((x) => x.type === 'group'));
  const mine = await yonghong.all(`${VAX}/slots`);
  assert.ok(mine.length >= 8);
  assert.ok(mine.every((x) => x.streetName === '永红街道'), 'a street admin lists its own slots only');
  const district = await admin.all(`${VAX}/slots?regionId=${vx.node('北港街道').id}`);
  assert.ok(district.length >= 7 && district.every((x) => x.streetName === '北港街道'), 'regionId narrows the list');
});

test('V3: at the end of its window a slot goes offline: not listed, not bookable (409 slot_closed)', async () => {
  const day = cityDate(1);
  const slot = await createSlot(yonghong, { siteId: site.id, vaccineId: vx.vaccines.vero.id, date: day, startTime: '08:00', endTime: '10:00' });
  try {
    await clockTo(anon(), cityMs(day, '09:59'));
    assert.ok(await listed(slot.id), 'listed one minute before the cut-off');
    await book(anon(), { token, slotId: slot.id, gridId: grid }, { expect: 201 });

    await clockTo(anon(), cityMs(day, '10:00') + 1000);
    assert.ok(!(await listed(slot.id)), 'not listed after the cut-off');
    expectProblem(assert, await book(anon(), { token, slotId: slot.id, gridId: grid }), 409, 'slot_closed');
    const y = await server.login('yonghong'); // sessions last 12 hours of (moved) time
    const s = await getSlot(y, slot.id);
    assert.equal(s.expired, true);
    assert.equal(s.online, false);
    assert.equal(s.booked, 1);
    assert.ok((await y.all(`${VAX}/slots?status=expired&date=${day}`)).some((x) => x.id === slot.id));
    assert.ok(!(await y.all(`${VAX}/slots?status=online&date=${day}`)).some((x) => x.id === slot.id));
  } finally {
    await resetClock(anon());
  }
  assert.ok(await listed(slot.id), 'back in the present it is open again');
});

test('V3: lock takes a slot offline (409 slot_closed); release (重新发布) makes it bookable again', async () => {
  const slot = await createSlot(yonghong, { siteId: site.id, vaccineId: vx.vaccines.vero.id });
  await book(anon(), { token, slotId: slot.id, gridId: grid }, { expect: 201 });
  const lock = await yonghong.post(`${VAX}/slots/${slot.id}/lock`);
  assert.equal(lock.status, 200, lock.text);
  assert.equal(lock.body.status, 'locked');
  assert.equal(lock.body.online, false);
  assert.equal(lock.body.booked, 1, 'existing bookings stay');
  assert.ok(!(await listed(slot.id)));
  expectProblem(assert, await book(anon(), { token, slotId: slot.id, gridId: grid }), 409, 'slot_closed');
  assert.ok((await yonghong.all(`${VAX}/slots?status=locked`)).some((x) => x.id === slot.id));
  const rel = await yonghong.post(`${VAX}/slots/${slot.id}/release`);
  assert.equal(rel.status, 200, rel.text);
  assert.equal(rel.body.status, 'enabled');
  assert.equal(rel.body.online, true);
  assert.ok(await listed(slot.id));
  await book(anon(), { token, slotId: slot.id, gridId: grid }, { expect: 201 });
  assert.equal((await getSlot(yonghong, slot.id)).booked, 2);
  assert.equal((await auditRows(admin, 'vax_slot', slot.id, 'lock')).length, 1);
  assert.equal((await auditRows(admin, 'vax_slot', slot.id, 'release')).length, 1);
});

test('V3: adding quota (加名额) reopens a full slot; add must be positive', async () => {
  const slot = await createSlot(yonghong, { siteId: site.id, vaccineId: vx.vaccines.vero.id, quota: 1 });
  await book(anon(), { token, slotId: slot.id, gridId: grid }, { expect: 201 });
  expectProblem(assert, await book(anon(), { token, slotId: slot.id, gridId: grid }), 409, 'slot_full');
  for (const add of [0, -1]) {
    const bad = await yonghong.post(`${VAX}/slots/${slot.id}/quota`, { add });
    expectProblem(assert, bad, 422);
    assert.deepEqual(errorFields(bad), ['add']);
  }
  const res = await yonghong.post(`${VAX}/slots/${slot.id}/quota`, { add: 5 });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.quota, 6);
  assert.equal(res.body.remaining, 5);
  assert.equal(res.body.online, true);
  await book(anon(), { token, slotId: slot.id, gridId: grid }, { expect: 201 });
  assert.equal((await getSlot(yonghong, slot.id)).remaining, 4);
  assert.equal((await auditRows(admin, 'vax_slot', slot.id, 'quota')).length, 1);
});

test('V3: editing: quota not below booked (422 quota); date, time, site, type or vaccine fixed once booked (409)', async () => {
  const slot = await createSlot(yonghong, { siteId: site.id, vaccineId: vx.vaccines.vero.id, quota: 5 });
  const body = slotBody({ date: slot.date, startTime: slot.startTime, endTime: slot.endTime, quota: 5 });
  // Without bookings everything may change.
  const moved = await yonghong.put(`${VAX}/slots/${slot.id}`, { ...body, date: cityDate(2), startTime: '09:00' });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.body.date, cityDate(2));
  assert.equal(moved.body.startTime, '09:00');
  const now = { ...body, date: cityDate(2), startTime: '09:00' };
  await book(anon(), { token, slotId: slot.id, gridId: grid }, { expect: 201 });
  await book(anon(), { token, slotId: slot.id, gridId: grid }, { expect: 201 });

  const low = await yonghong.put(`${VAX}/slots/${slot.id}`, { ...now, quota: 1 });
  expectProblem(assert, low, 422);
  assert.deepEqual(errorFields(low), ['quota']);
  for (const patch of [{ date: cityDate(3) }, { startTime: '10:00' }, { endTime: '11:00' }, { type: 'group' }, { vaccineId: vx.vaccines.cho.id }]) {
    const res = await yonghong.put(`${VAX}/slots/${slot.id}`, { ...now, ...patch });
    expectProblem(assert, res, 409, 'slot_has_bookings', JSON.stringify(patch));
  }
  const other = await createSite(yonghong, vx.node('永红街道').id);
  expectProblem(assert, await yonghong.put(`${VAX}/slots/${slot.id}`, { ...now, siteId: other.id }), 409, 'slot_has_bookings');
  const s0 = await getSlot(yonghong, slot.id);
  assert.equal(s0.date, cityDate(2));
  assert.equal(s0.quota, 5);

  const ok = await yonghong.put(`${VAX}/slots/${slot.id}`, { ...now, quota: 2, remark: '只改备注和名额' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.quota, 2);
  assert.equal(ok.body.remaining, 0);
  assert.equal(ok.body.remark, '只改备注和名额');
  expectProblem(assert, await book(anon(), { token, slotId: slot.id, gridId: grid }), 409, 'slot_full');
  assert.equal((await auditRows(admin, 'vax_slot', slot.id, 'update')).length, 2);
});

// ------------------------------------------------------------------ V4 links

test('V4: links list every district and street in scope with population, token and URL', async () => {
  const res = await admin.get(`${VAX}/links`);
  assert.equal(res.status, 200, res.text);
  const rows = res.body.items;
  const names = rows.map((r) => r.name);
  for (const n of ['钟楼区', '天宁区', '永红街道', '北港街道', '荷花池街道', '雕庄街道', '青龙街道', '茶山街道']) assert.ok(names.includes(n), `${n} listed`);
  assert.ok(!rows.some((r) => r.level === 1 || r.level === 4), 'no city or grid rows');
  for (const r of rows) {
    const node = vx.nodeList.find((n) => n.id === r.regionId);
    assert.ok(node, `${r.name} is a region`);
    assert.equal(r.population, node.population, `${r.name}: population`);
    assert.match(r.token, /^[A-Za-z0-9_-]{8,64}$/);
    assert.ok(r.url.endsWith(`/m/book/${r.token}`), r.url);
    if (r.level === 2) assert.equal(r.groupToken, null, 'no group link for a district');
  }
  assert.equal(new Set(rows.map((r) => r.token)).size, rows.length, 'tokens differ');
  const yh = rows.find((r) => r.name === '永红街道');
  assert.match(yh.groupToken, /^[A-Za-z0-9_-]{8,64}$/, 'the demo street has a group link');
  assert.notEqual(yh.groupToken, yh.token);
  assert.ok(yh.groupUrl.endsWith(`/m/book/${yh.groupToken}`));

  const own = (await yonghong.get(`${VAX}/links`)).body.items;
  assert.deepEqual(
    own.map((r) => r.name),
    ['永红街道'],
    'a street admin sees its own street only',
  );
  const district = (await zhonglou.get(`${VAX}/links`)).body.items.map((r) => r.name);
  assert.ok(district.includes('钟楼区') && district.includes('北港街道') && !district.includes('天宁区') && !district.includes('雕庄街道'));
});

test('V4: the public page of a street link: its personal slots and grids only, no internal counts', async () => {
  const token = vx.links.get('永红街道').token;
  const page = await linkPage(anon(), token);
  assert.deepEqual(page.link, { kind: 'street', regionId: vx.node('永红街道').id, regionName: '永红街道', districtName: '钟楼区' });
  assert.equal(page.hasVaccine, true);
  assert.ok(page.slots.length >= 5, 'the demo slots of 永红街道 (tomorrow and the day after)');
  for (const s of page.slots) {
    assert.equal(s.type, 'personal');
    assert.equal(s.streetName, '永红街道');
    assert.ok(Number.isInteger(s.remaining) && s.remaining >= 0);
    for (const k of ['quota', 'booked', 'vaccinated', 'status', 'siteId']) assert.ok(!(k in s), `slot field ${k} is not public`);
    assert.ok(s.date >= cityDate(0));
  }
  assert.deepEqual(page.grids.map((g) => g.name).sort(), ['勤业新村社区', '广化社区', '永红社区', '花园社区'].sort());

  const foreign = await linkPage(anon(), token, '?foreign=1');
  assert.ok(foreign.slots.length >= 1, 'the demo foreign slot');
  assert.ok(foreign.slots.every((s) => s.type === 'foreign'));
  assert.ok(foreign.noticeEn.length > 0);

  const district = await linkPage(anon(), vx.links.get('钟楼区').token);
  assert.equal(district.link.kind, 'district');
  const streets = new Set(district.slots.map((s) => s.streetName));
  const zlStreets = vx.nodeList.filter((n) => n.parentId === vx.node('钟楼区').id).map((n) => n.name);
  for (const n of ['北港街道', '永红街道', '荷花池街道']) assert.ok(streets.has(n), `a district link offers the slots of its street ${n}`);
  assert.ok([...streets].every((n) => zlStreets.includes(n)), 'and of no street of another district');
  assert.ok(district.grids.some((g) => g.name === '北港社区') && district.grids.some((g) => g.name === '永红社区'));
  assert.ok(!district.grids.some((g) => g.streetName === '雕庄街道'));

  for (const bad of ['nope-nope-nope', 'A'.repeat(64)]) expectProblem(assert, await anon().get(`${PUB}/links/${bad}`), 404, 'link_not_found');
});

test('V6: a street without slots says so (hasVaccine false) and its link books nothing', async () => {
  const street = (await admin.post('/api/v1/region/nodes', { parentId: vx.node('钟楼区').id, name: uniq('无号源街道'), population: 100 })).body;
  const grid = (await admin.post('/api/v1/region/nodes', { parentId: street.id, name: uniq('无号源社区'), kind: 'community', population: 50 })).body;
  const link = (await admin.get(`${VAX}/links`)).body.items.find((r) => r.regionId === street.id);
  assert.ok(link?.token, 'a new street gets a link at once');
  const page = await linkPage(anon(), link.token);
  assert.equal(page.hasVaccine, false);
  assert.deepEqual(page.slots, []);
  assert.deepEqual(page.grids.map((g) => g.id), [grid.id]);
  // A slot of another street cannot be booked through this link.
  const other = (await linkPage(anon(), vx.links.get('永红街道').token)).slots[0];
  expectProblem(assert, await book(anon(), { token: link.token, slotId: other.id, gridId: grid.id }), 409, 'slot_closed');
  // A full slot does not count as a vaccine on offer.
  const site = await createSite(admin, street.id);
  const slot = await createSlot(admin, { siteId: site.id, vaccineId: vx.vaccines.vero.id, quota: 1 });
  assert.equal((await linkPage(anon(), link.token)).hasVaccine, true);
  await book(anon(), { token: link.token, slotId: slot.id, gridId: grid.id }, { expect: 201 });
  const full = await linkPage(anon(), link.token);
  assert.equal(full.hasVaccine, false, 'no places left → no vaccine on offer');
  assert.ok(full.slots.every((s) => s.remaining === 0));
});

test('X9: QR codes of a link as SVG and PNG, and of a booking code', async () => {
  const token = vx.links.get('永红街道').token;
  const svg = await anon().get(`${PUB}/links/${token}/qr.svg`);
  assert.equal(svg.status, 200);
  assert.match(svg.headers.get('content-type'), /^image\/svg\+xml/);
  assert.match(svg.text, /<svg[\s\S]*<\/svg>\s*$/);
  const png = await anon().get(`${PUB}/links/${token}/qr.png`);
  assert.equal(png.status, 200);
  assert.equal(png.headers.get('content-type'), 'image/png');
  assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.ok(png.bytes.length > 200);
  const other = await anon().get(`${PUB}/links/${vx.links.get('北港街道').token}/qr.png`);
  assert.notDeepEqual(other.bytes, png.bytes, 'another link, another image');
  expectProblem(assert, await anon().get(`${PUB}/links/nope-nope/qr.svg`), 404, 'link_not_found');
  expectProblem(assert, await anon().get(`${PUB}/links/nope-nope/qr.png`), 404, 'link_not_found');

  const slot = (await linkPage(anon(), token)).slots.find((s) => s.remaining > 0);
  const b = await book(anon(), { token, slotId: slot.id, gridId: vx.node('永红社区').id }, { expect: 201 });
  const code = await anon().get(`${PUB}/bookings/${b.body.code}/qr.svg`);
  assert.equal(code.status, 200);
  assert.match(code.headers.get('content-type'), /^image\/svg\+xml/);
  assert.match(code.text, /<svg/);
  expectProblem(assert, await anon().get(`${PUB}/bookings/123456789012345678/qr.svg`), 404);
});

// ------------------------------------------------------------------ V5 group links

test('V5: only the group link lists and books a group slot; the street link cannot', async () => {
  const yh = vx.links.get('永红街道');
  const slot = await createSlot(yonghong, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.vero.id, type: 'group', quota: 5 });
  const personal = await createSlot(yonghong, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.vero.id, quota: 5 });
  const grid = vx.node('花园社区').id;

  const street = await linkPage(anon(), yh.token);
  assert.ok(!street.slots.some((s) => s.id === slot.id), 'the street link does not list the group slot');
  assert.ok(!(await linkPage(anon(), yh.token, '?foreign=1')).slots.some((s) => s.id === slot.id));
  const district = await linkPage(anon(), vx.links.get('钟楼区').token);
  assert.ok(!district.slots.some((s) => s.id === slot.id), 'nor the district link');
  const group = await linkPage(anon(), yh.groupToken);
  assert.equal(group.link.kind, 'group');
  assert.equal(group.link.regionName, '永红街道');
  assert.ok(group.slots.some((s) => s.id === slot.id));
  assert.ok(group.slots.every((s) => s.type === 'group'), 'the group link lists group slots only');

  for (const token of [yh.token, vx.links.get('钟楼区').token]) expectProblem(assert, await book(anon(), { token, slotId: slot.id, gridId: grid }), 409, 'slot_closed');
  expectProblem(assert, await book(anon(), { token: yh.groupToken, slotId: personal.id, gridId: grid }), 409, 'slot_closed', 'a group link books group slots only');
  const ok = await book(anon(), { token: yh.groupToken, slotId: slot.id, gridId: grid }, { expect: 201 });
  assert.equal(ok.body.type, 'group');
  const after = (await yonghong.get(`${VAX}/slots/${slot.id}`)).body;
  assert.equal(after.booked, 1, 'only the group-link booking took a place');
  // Another street's group link does not book 永红's group slot either.
  const bgGroup = await admin.post(`${VAX}/links/${vx.node('北港街道').id}/group-token`);
  assert.equal(bgGroup.status, 200, bgGroup.text);
  expectProblem(assert, await book(anon(), { token: bgGroup.body.groupToken, slotId: slot.id, gridId: vx.node('北港社区').id }), 409, 'slot_closed');
});

test('V5: rotating the group token invalidates the old link at once', async () => {
  const street = vx.node('永红街道');
  const old = (await yonghong.get(`${VAX}/links`)).body.items[0].groupToken;
  const slot = await createSlot(yonghong, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.vero.id, type: 'group', quota: 5 });
  const res = await yonghong.post(`${VAX}/links/${street.id}/group-token`);
  assert.equal(res.status, 200, res.text);
  const fresh = res.body.groupToken;
  assert.equal(res.body.regionId, street.id);
  assert.notEqual(fresh, old);
  assert.ok(res.body.groupUrl.endsWith(`/m/book/${fresh}`));
  assert.equal((await yonghong.get(`${VAX}/links`)).body.items[0].groupToken, fresh);
  assert.equal((await auditRows(admin, 'vax_group_link', street.id, 'rotate')).length >= 1, true, 'audited');

  expectProblem(assert, await anon().get(`${PUB}/links/${old}`), 404, 'link_not_found');
  expectProblem(assert, await anon().get(`${PUB}/links/${old}/qr.png`), 404, 'link_not_found');
  expectProblem(assert, await book(anon(), { token: old, slotId: slot.id, gridId: vx.node('永红社区').id }), 404, 'link_not_found');
  assert.ok((await linkPage(anon(), fresh)).slots.some((s) => s.id === slot.id));
  await book(anon(), { token: fresh, slotId: slot.id, gridId: vx.node('永红社区').id }, { expect: 201 });
  // The street's personal link is not affected.
  assert.equal((await anon().get(`${PUB}/links/${vx.links.get('永红街道').token}`)).status, 200);

  const district = await zhonglou.post(`${VAX}/links/${vx.node('钟楼区').id}/group-token`);
  expectProblem(assert, district, 422, undefined, 'group links belong to streets');
  assert.deepEqual(errorFields(district), ['regionId']);
});
