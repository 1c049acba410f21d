// SPEC V6 (citizen booking), V7 (self-service: lookup, cancel, rebook, change of details) and
// V8 (SMS on booking and cancellation), through the public routes as a phone would call them;
// then V9 (booking records: filters, masking, reveal, export, edit, cancel, change of grid) with
// X5 (audit of reveal and export) and X6 (masked ID numbers and phones).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { cityDate, errorFields, expectProblem, randomPhone, sleep, startServer, uniq } from './lib/harness.mjs';
import {
  DAY,
  PUB,
  VAX,
  auditRows,
  badCheck,
  book,
  bookFor,
  clockOffset,
  createSite,
  createSlot,
  expectXlsx,
  getBooking,
  getSlot,
  idNumber,
  linkPage,
  maskId,
  maskPhone,
  passportNumber,
  resetClock,
  smsWith,
  storedText,
  inStore,
  vaxWorld,
} from './lib/vax.mjs';

let server;
let admin;
let zhonglou;
let yonghong;
let vx;
let token; // 永红街道's personal link
let grid; // 永红社区

before(async () => {
  server = await startServer();
  [admin, zhonglou, yonghong] = await Promise.all(['admin', 'zhonglou', 'yonghong'].map((u) => server.login(u)));
  vx = await vaxWorld(admin);
  token = vx.links.get('永红街道').token;
  grid = vx.node('永红社区').id;
});

after(async () => {
  await server?.stop();
});

const anon = () => server.client();
/** A fresh slot of 永红街道 (vero, tomorrow 08:00–20:00, quota 10 unless told). */
const freshSlot = (extra = {}) => createSlot(yonghong, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.vero.id, ...extra });
const eligibility = (body) => anon().post(`${PUB}/eligibility`, { token, idType: 'id_card', ...body });

test('V6: eligibility from the ID number: age, and per vaccine the next dose', async () => {
  const id = idNumber({ age: 30 });
  const res = await eligibility({ idNumber: id });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.age, 30);
  assert.equal(res.body.minAge, 18);
  const byId = new Map(res.body.vaccines.map((v) => [v.vaccineId, v]));
  for (const v of Object.values(vx.vaccines)) {
    const e = byId.get(v.id);
    assert.ok(e, `${v.name} offered`);
    assert.equal(e.nextDose, 1);
    assert.equal(e.eligible, true);
    assert.equal(e.reason, null);
    assert.deepEqual(e.done, []);
    assert.deepEqual(e.active, []);
  }
  const young = await eligibility({ idNumber: idNumber({ age: 17 }) });
  assert.equal(young.status, 200);
  assert.equal(young.body.age, 17);
  assert.ok(young.body.vaccines.every((v) => v.eligible === false && v.reason === 'under_age'));

  const bad = await eligibility({ idNumber: badCheck(id) });
  expectProblem(assert, bad, 422);
  assert.deepEqual(errorFields(bad), ['idNumber']);
  const noBirth = await eligibility({ idType: 'passport', idNumber: passportNumber() });
  expectProblem(assert, noBirth, 422);
  assert.deepEqual(errorFields(noBirth), ['birthDate']);
  const passport = await eligibility({ idType: 'passport', idNumber: passportNumber(), birthDate: '1985-06-30' });
  assert.equal(passport.status, 200, passport.text);
  assert.ok(passport.body.age >= 40);
  expectProblem(assert, await anon().post(`${PUB}/eligibility`, { token: 'nope-nope', idNumber: id }), 404, 'link_not_found');
});

test('V6: an invalid ID number → 422 naming idNumber, and no place is taken', async () => {
  const slot = await freshSlot();
  const good = idNumber();
  for (const bad of [badCheck(good), good.slice(0, 15), `99${good.slice(2, 17)}`, '11010120991231001X', 'ABCDEFGHIJKLMNOPQR', '']) {
    const res = await book(anon(), { token, slotId: slot.id, gridId: grid, idNumber: bad });
    expectProblem(assert, res, 422, undefined, bad);
    assert.deepEqual(errorFields(res), ['idNumber'], bad);
  }
  assert.equal((await getSlot(yonghong, slot.id)).booked, 0);
});

test('V6: under 18 → 422 not_eligible (under_age); 18 and over books', async () => {
  const slot = await freshSlot();
  const young = await book(anon(), { token, slotId: slot.id, gridId: grid, idNumber: idNumber({ age: 17 }) });
  expectProblem(assert, young, 422, 'not_eligible');
  assert.equal(young.body.errors[0].code, 'under_age');
  assert.equal(young.body.errors[0].field, 'idNumber');
  const adult = await book(anon(), { token, slotId: slot.id, gridId: grid, idNumber: idNumber({ age: 18 }) }, { expect: 201 });
  assert.equal(adult.body.age, 18);
  assert.equal((await getSlot(yonghong, slot.id)).booked, 1);
});

test('V6: the informed-consent notice must be accepted (422 consent_required naming consent)', async () => {
  const slot = await freshSlot();
  for (const consent of [false, undefined]) {
    const res = await book(anon(), { token, slotId: slot.id, gridId: grid, consent });
    expectProblem(assert, res, 422, 'consent_required', `consent ${consent}`);
    assert.deepEqual(errorFields(res), ['consent']);
  }
  assert.equal((await getSlot(yonghong, slot.id)).booked, 0);
});

test('V6: booking succeeds with a booking code; the grid must belong to the link', async () => {
  const slot = await freshSlot({ remark: '请带身份证' });
  const id = idNumber();
  const phone = randomPhone('135');
  const res = await book(anon(), { token, slotId: slot.id, gridId: vx.node('广化社区').id, idNumber: id, phone, name: '李四' }, { expect: 201 });
  const b = res.body;
  assert.match(b.code, /^\d{18}$/);
  assert.equal(b.status, 'booked');
  assert.equal(b.name, '李四');
  assert.equal(b.idMasked, maskId(id));
  assert.equal(b.phoneMasked, maskPhone(phone));
  assert.equal(b.vaccineId, vx.vaccines.vero.id);
  assert.equal(b.doseNo, 1);
  assert.equal(b.date, slot.date);
  assert.equal(b.startTime, '08:00');
  assert.equal(b.endTime, '20:00');
  assert.equal(b.siteName, '永红街道社区卫生服务中心');
  assert.equal(b.siteAddress, '永红街道人民路1号');
  assert.equal(b.gridName, '广化社区');
  assert.equal(b.remark, '请带身份证');
  assert.equal(b.canCancel, true);
  for (const k of ['id', 'slotId', 'siteId', 'source', 'releaseAt']) assert.ok(!(k in b), `public booking has no ${k}`);
  assert.ok(!res.text.includes(id) && !res.text.includes(phone), 'the answer holds no full ID or phone');
  assert.equal((await getSlot(yonghong, slot.id)).booked, 1);

  const other = await book(anon(), { token, slotId: slot.id, gridId: vx.node('北港社区').id });
  expectProblem(assert, other, 422);
  assert.deepEqual(errorFields(other), ['gridId'], 'a grid of another street is refused');
  const badPhone = await book(anon(), { token, slotId: slot.id, gridId: grid, phone: '12345' });
  expectProblem(assert, badPhone, 422);
  assert.deepEqual(errorFields(badPhone), ['phone']);
  expectProblem(assert, await book(anon(), { token, slotId: 99999999, gridId: grid }), 404, 'slot_not_found');
  expectProblem(assert, await book(anon(), { token: 'nope-nope', slotId: slot.id, gridId: grid }), 404, 'link_not_found');
  assert.equal((await getSlot(yonghong, slot.id)).booked, 1);
});

test('V6: one active booking per person, vaccine and dose (409 already_booked), in any slot', async () => {
  const [a, b] = [await freshSlot(), await freshSlot({ date: cityDate(2) })];
  const id = idNumber();
  const first = await book(anon(), { token, slotId: a.id, gridId: grid, idNumber: id }, { expect: 201 });
  for (const slot of [a, b]) {
    const again = await book(anon(), { token, slotId: slot.id, gridId: grid, idNumber: id, phone: randomPhone('136') });
    expectProblem(assert, again, 409, 'already_booked');
  }
  // Lower-case x and spaces do not make another person.
  if (id.endsWith('X')) expectProblem(assert, await book(anon(), { token, slotId: b.id, gridId: grid, idNumber: ` ${id.toLowerCase()} ` }), 409, 'already_booked');
  assert.equal((await getSlot(yonghong, a.id)).booked, 1);
  assert.equal((await getSlot(yonghong, b.id)).booked, 0);
  // Another vaccine is another booking.
  const adeno = await createSlot(yonghong, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.adeno.id });
  await book(anon(), { token, slotId: adeno.id, gridId: grid, idNumber: id }, { expect: 201 });
  const el = await eligibility({ idNumber: id });
  const vero = el.body.vaccines.find((v) => v.vaccineId === vx.vaccines.vero.id);
  assert.equal(vero.reason, 'already_booked');
  assert.deepEqual(vero.active, [{ doseNo: 1, date: a.date }], 'the booking code is not told to whoever knows the ID number');
  assert.ok(!JSON.stringify(el.body).includes(first.body.code));
});

test('V6: one phone books for several people (family), also on behalf of others (代他人预约)', async () => {
  const slot = await freshSlot();
  const phone = randomPhone('137');
  const family = [idNumber({ age: 70 }), idNumber({ age: 45 }), idNumber({ age: 19 })];
  const codes = [];
  for (const [i, id] of family.entries()) {
    const proxy = i === 0 ? { name: '王小明', phone, idNumber: family[1], relation: '子女' } : undefined;
    const res = await book(anon(), { token, slotId: slot.id, gridId: grid, idNumber: id, phone, proxy }, { expect: 201 });
    codes.push(res.body.code);
    if (proxy) assert.equal(res.body.proxyName, '王小明');
  }
  assert.equal(new Set(codes).size, 3);
  assert.equal((await getSlot(yonghong, slot.id)).booked, 3);
  // Each person finds only their own booking with the shared phone.
  for (const [i, id] of family.entries()) {
    const res = await anon().post(`${PUB}/lookup`, { idNumber: id, phone });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.items.map((b) => b.code),
      [codes[i]],
    );
  }
  const rows = (await yonghong.get(`${VAX}/bookings?slotId=${slot.id}`)).body.items;
  assert.equal(rows.length, 3);
  assert.ok(rows.every((r) => r.phoneMasked === maskPhone(phone)));
  assert.equal(rows.find((r) => r.code === codes[0]).proxyName, '王小明');
  const badProxy = await book(anon(), { token, slotId: slot.id, gridId: grid, proxy: { name: '无电话' } });
  expectProblem(assert, badProxy, 422);
  assert.ok(errorFields(badProxy).includes('proxy'), badProxy.text);
});

test('V6: dose order: dose 2 or 3 before dose 1 is given → 422 (dose_order)', async () => {
  const slot = await createSlot(yonghong, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.cho.id });
  const id = idNumber();
  for (const doseNo of [2, 3]) {
    const res = await book(anon(), { token, slotId: slot.id, gridId: grid, idNumber: id, doseNo });
    expectProblem(assert, res, 422, 'not_eligible', `dose ${doseNo}`);
    assert.equal(res.body.errors[0].field, 'doseNo');
    assert.equal(res.body.errors[0].code, 'dose_order');
  }
  const over = await book(anon(), { token, slotId: slot.id, gridId: grid, idNumber: id, doseNo: 6 });
  expectProblem(assert, over, 422);
  assert.deepEqual(errorFields(over), ['doseNo']);
  await book(anon(), { token, slotId: slot.id, gridId: grid, idNumber: id, doseNo: 1 }, { expect: 201 });
  // Dose 1 booked but not given: dose 2 is not next yet.
  const second = await freshSlot({ vaccineId: vx.vaccines.cho.id, date: cityDate(40) });
  expectProblem(assert, await book(anon(), { token, slotId: second.id, gridId: grid, idNumber: id, doseNo: 2 }), 409, 'already_booked');
  assert.equal((await getSlot(yonghong, slot.id)).booked, 1);
});

test('V6: dose 2 of vero only 21 days after dose 1 (422 interval_not_met before, booked after)', async () => {
  const slot = await freshSlot({ date: cityDate(0), startTime: '00:00', endTime: '24:00' });
  const id = idNumber();
  const { booking } = await bookFor(server, yonghong, { token, slotId: slot.id, gridId: grid, idNumber: id });
  const given = await yonghong.post(`${VAX}/bookings/${booking.id}/vaccinate`, { lotNo: 'L1', vaccinator: '张护士' });
  assert.equal(given.status, 200, given.text);
  const today = cityDate(0);
  const el = (await eligibility({ idNumber: id })).body.vaccines.find((v) => v.vaccineId === vx.vaccines.vero.id);
  assert.equal(el.nextDose, 2);
  assert.equal(el.reason, 'interval_not_met');
  assert.equal(el.earliestDate, cityDate(21));
  assert.equal(el.dueDate, cityDate(56), 'due within 8 weeks of dose 1');
  assert.equal(el.done.length, 1);
  assert.equal(el.done[0].doseNo, 1);
  assert.ok(today < el.earliestDate);

  const early = await freshSlot({ date: cityDate(20) });
  const res = await book(anon(), { token, slotId: early.id, gridId: grid, idNumber: id, doseNo: 2 });
  expectProblem(assert, res, 422, 'not_eligible');
  assert.equal(res.body.errors[0].code, 'interval_not_met');
  expectProblem(assert, await book(anon(), { token, slotId: early.id, gridId: grid, idNumber: id, doseNo: 1 }), 422, 'not_eligible', 'dose 1 again');
  assert.equal((await getSlot(yonghong, early.id)).booked, 0);
  const dayOk = await freshSlot({ date: cityDate(21) });
  const repeat = await book(anon(), { token, slotId: dayOk.id, gridId: grid, idNumber: id, doseNo: 1 });
  expectProblem(assert, repeat, 422, 'not_eligible', 'dose 1 again, on a day dose 2 is due');
  assert.equal(repeat.body.errors[0].code, 'dose_order');
  assert.equal((await getSlot(yonghong, dayOk.id)).booked, 0);

  // 21 days later (the clock moves; sessions of 12 hours do not survive that, citizens need
  // none) the citizen is eligible today, and books.
  const onTime = await freshSlot({ date: cityDate(22) });
  try {
    await clockOffset(anon(), 21 * DAY + 60e3);
    const later = (await eligibility({ idNumber: id })).body.vaccines.find((v) => v.vaccineId === vx.vaccines.vero.id);
    assert.equal(later.reason, null);
    assert.equal(later.eligible, true);
    const ok = await book(anon(), { token, slotId: onTime.id, gridId: grid, idNumber: id, doseNo: 2 }, { expect: 201 });
    assert.equal(ok.body.doseNo, 2);
    const done = (await eligibility({ idNumber: id })).body.vaccines.find((v) => v.vaccineId === vx.vaccines.vero.id);
    assert.equal(done.reason, 'already_booked');
  } finally {
    await resetClock(anon());
  }
});

test('V6/B1: a full slot answers 409 slot_full; 30 parallel bookings for 10 places make exactly 10', async () => {
  const slot = await freshSlot({ quota: 10 });
  const results = await Promise.all(Array.from({ length: 30 }, () => book(anon(), { token, slotId: slot.id, gridId: grid })));
  const statuses = results.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 201).length, 10, `statuses: ${statuses}`);
  assert.equal(statuses.filter((s) => s === 409).length, 20, `statuses: ${statuses}`);
  for (const r of results.filter((x) => x.status === 409)) assert.equal(r.body.code, 'slot_full');
  const after = await getSlot(yonghong, slot.id);
  assert.equal(after.booked, 10);
  assert.equal(after.remaining, 0);
  assert.equal(after.online, false, 'a full slot is offline');
  const listed = await yonghong.get(`${VAX}/bookings?slotId=${slot.id}&pageSize=50`);
  assert.equal(listed.body.total, 10, 'exactly 10 bookings exist');
  assert.deepEqual(new Set(listed.body.items.map((b) => b.code)), new Set(results.filter((r) => r.status === 201).map((r) => r.body.code)));
  expectProblem(assert, await book(anon(), { token, slotId: slot.id, gridId: grid }), 409, 'slot_full');
  const page = await linkPage(anon(), token);
  const shown = page.slots.find((s) => s.id === slot.id);
  assert.ok(!shown || shown.remaining === 0, 'the link shows no places left');
});

test('B1: an Idempotency-Key retry answers the first booking and creates no second one', async () => {
  const slot = await freshSlot();
  const key = uniq('idem-');
  const fields = { token, slotId: slot.id, gridId: grid, idNumber: idNumber(), phone: randomPhone('135'), name: '重试人' };
  const first = await book(anon(), fields, { headers: { 'Idempotency-Key': key } });
  assert.equal(first.status, 201, first.text);
  const retry = await book(anon(), fields, { headers: { 'Idempotency-Key': key } });
  assert.ok([200, 201].includes(retry.status), retry.text);
  assert.equal(retry.body.code, first.body.code, 'the same booking code');
  assert.equal((await getSlot(yonghong, slot.id)).booked, 1);
  // Without the key the same person is refused as already booked.
  expectProblem(assert, await book(anon(), fields), 409, 'already_booked');
  // Parallel retries of a new request: one booking.
  const key2 = uniq('idem-');
  const fields2 = { ...fields, idNumber: idNumber() };
  const burst = await Promise.all(Array.from({ length: 4 }, () => book(anon(), fields2, { headers: { 'Idempotency-Key': key2 } })));
  const codes = new Set(burst.filter((r) => r.status < 300).map((r) => r.body.code));
  assert.equal(codes.size, 1, `one booking code: ${burst.map((r) => `${r.status} ${r.body.code ?? r.body.title}`)}`);
  assert.ok(burst.every((r) => r.status < 300 || r.body.code === 'already_booked'), burst.map((r) => r.status).join());
  assert.equal((await getSlot(yonghong, slot.id)).booked, 2);
  // The key is bound to the person: someone else with the same key books for themselves.
  const other = await book(anon(), { ...fields, idNumber: idNumber() }, { headers: { 'Idempotency-Key': key } });
  assert.equal(other.status, 201, other.text);
  assert.notEqual(other.body.code, first.body.code);
  assert.equal((await getSlot(yonghong, slot.id)).booked, 3);
});

test('B1: two server processes: one booking per person, and an idempotent retry answers the first booking', async () => {
  const peer = await server.peer();
  try {
    const slots = [];
    for (let i = 0; i < 4; i++) slots.push(await freshSlot({ quota: 50 }));
    const via = (i) => (i % 2 ? peer.client() : anon());
    // Races are caught by chance: several rounds make a wrong answer likely to show.
    for (let round = 0; round < 8; round++) {
      // The same person at four slots at once, through both processes.
      const id = idNumber();
      const res = await Promise.all(slots.map((slot, i) => book(via(i), { token, slotId: slot.id, gridId: grid, idNumber: id })));
      const summary = res.map((r) => `${r.status} ${r.body.code}`).join(', ');
      assert.equal(res.filter((r) => r.status === 201).length, 1, summary);
      for (const r of res.filter((x) => x.status !== 201)) expectProblem(assert, r, 409, 'already_booked', summary);
      // One request retried with its key on both processes at once.
      const fields = { token, slotId: slots[0].id, gridId: grid, idNumber: idNumber(), phone: randomPhone('135'), name: '重试' };
      const key = uniq('idem-');
      const tries = await Promise.all([0, 1, 2, 3].map((i) => book(via(i), fields, { headers: { 'Idempotency-Key': key } })));
      const codes = tries.map((r) => `${r.status} ${r.body.code}`).join(', ');
      assert.ok(tries.every((r) => r.status === 201), `every retry answers the booking: ${codes}`);
      assert.equal(new Set(tries.map((r) => r.body.code)).size, 1, codes);
    }
  } finally {
    await peer.stop();
  }
});

test('V6: a foreigner books a foreign slot with passport, birth date and a foreign phone', async () => {
  const slot = await freshSlot({ type: 'foreign', startTime: '14:00', endTime: '17:00' });
  const page = await linkPage(anon(), token, '?foreign=1');
  assert.ok(page.slots.some((s) => s.id === slot.id), 'listed with foreign=1');
  assert.ok(!(await linkPage(anon(), token)).slots.some((s) => s.id === slot.id), 'not among personal slots');
  const passport = passportNumber();
  const base = { token, slotId: slot.id, gridId: grid, idType: 'passport', idNumber: passport, name: 'John Smith', phone: '+447700900123', nationality: '英国', address: 'Room 5 Renmin Road 1' };
  const noBirth = await book(anon(), base);
  expectProblem(assert, noBirth, 422);
  assert.deepEqual(errorFields(noBirth), ['birthDate']);
  const badBirth = await book(anon(), { ...base, birthDate: '1990-02-30' });
  expectProblem(assert, badBirth, 422);
  assert.deepEqual(errorFields(badBirth), ['birthDate']);
  const res = await book(anon(), { ...base, birthDate: '1990-05-17' }, { expect: 201 });
  assert.equal(res.body.idType, 'passport');
  assert.equal(res.body.type, 'foreign');
  assert.equal(res.body.age >= 35, true);
  const row = (await yonghong.get(`${VAX}/bookings?keyword=${res.body.code}`)).body.items[0];
  assert.equal(row.idType, 'passport');
  assert.equal(row.nationality, '英国');
  assert.ok(!JSON.stringify(row).includes(passport), 'the passport number is masked');
  // The passport number finds the booking in the records search.
  assert.equal((await yonghong.get(`${VAX}/bookings?keyword=${passport}`)).body.items[0]?.code, res.body.code);
});

test('V6: addresses accept Chinese characters, letters and digits only (emoji → 422 address)', async () => {
  const slot = await freshSlot();
  for (const address of ['人民路1号😀', '人民路<script>', '人民路1号，2单元', 'x'.repeat(101)]) {
    const res = await book(anon(), { token, slotId: slot.id, gridId: grid, address });
    expectProblem(assert, res, 422, undefined, address);
    assert.deepEqual(errorFields(res), ['address'], address);
  }
  await book(anon(), { token, slotId: slot.id, gridId: grid, address: '永红街道人民路12号3单元 Room 5B' }, { expect: 201 });
  await book(anon(), { token, slotId: slot.id, gridId: grid, address: undefined }, { expect: 201 });
  assert.equal((await getSlot(yonghong, slot.id)).booked, 2);
});

test('X6: the database and the log hold no ID number, phone, address or proxy details in clear', async () => {
  const slot = await freshSlot();
  const proxy = { name: '代办人', phone: randomPhone('139'), idNumber: idNumber(), relation: '子女' };
  const address = `独特地址${Date.now() % 100000}号`;
  const { booking, sent } = await bookFor(server, yonghong, { token, slotId: slot.id, gridId: grid, address, proxy });
  const passport = passportNumber();
  await book(anon(), { token, slotId: (await freshSlot({ type: 'foreign' })).id, gridId: grid, idType: 'passport', idNumber: passport, birthDate: '1980-01-01', phone: '+85291234567' }, { expect: 201 });
  // Searches by full ID and phone go through query strings.
  assert.equal((await yonghong.get(`${VAX}/bookings?keyword=${sent.idNumber}`)).body.total, 1);
  assert.equal((await yonghong.get(`${VAX}/bookings?keyword=${sent.phone}`)).body.total, 1);
  assert.equal((await zhonglou.post(`${VAX}/bookings/${booking.id}/reveal`)).body.idNumber, sent.idNumber);
  const text = await storedText(server);
  assert.ok(inStore(text, booking.name), 'names are stored readably (so the search is meaningful)');
  for (const [what, secret] of Object.entries({ idNumber: sent.idNumber, phone: sent.phone, address, proxyPhone: proxy.phone, proxyId: proxy.idNumber, passport, foreignPhone: '+85291234567' }))
    assert.ok(!inStore(text, secret), `the database must not hold the ${what} in clear`);
  const log = server.log();
  for (const secret of [sent.idNumber, sent.phone, passport, proxy.phone]) assert.ok(!log.includes(secret), 'the server log must not hold it either');
});

// ------------------------------------------------------------------ V7 self-service

test('V7: lookup needs the ID number with the phone or the booking code', async () => {
  const slot = await freshSlot();
  const id = idNumber();
  const phone = randomPhone('138');
  const b = (await book(anon(), { token, slotId: slot.id, gridId: grid, idNumber: id, phone }, { expect: 201 })).body;
  const byPhone = await anon().post(`${PUB}/lookup`, { idNumber: id, phone });
  assert.equal(byPhone.status, 200, byPhone.text);
  assert.deepEqual(
    byPhone.body.items.map((x) => x.code),
    [b.code],
  );
  assert.equal(byPhone.body.items[0].canEditProfile, true);
  assert.ok(!byPhone.text.includes(id), 'the answer masks the ID number');
  const byCode = await anon().post(`${PUB}/lookup`, { idNumber: id.toLowerCase(), code: b.code });
  assert.equal(byCode.status, 200, byCode.text);
  assert.deepEqual(
    byCode.body.items.map((x) => x.code),
    [b.code],
  );
  expectProblem(assert, await anon().post(`${PUB}/lookup`, { idNumber: id, phone: randomPhone('139') }), 404, 'not_found', 'wrong phone');
  expectProblem(assert, await anon().post(`${PUB}/lookup`, { idNumber: idNumber(), phone }), 404, 'not_found', 'wrong ID');
  expectProblem(assert, await anon().post(`${PUB}/lookup`, { idNumber: idNumber(), code: b.code }), 404, 'not_found', 'code of someone else');
  const idOnly = await anon().post(`${PUB}/lookup`, { idNumber: id });
  expectProblem(assert, idOnly, 422, undefined, 'the ID number alone is not enough');
  assert.deepEqual(errorFields(idOnly), ['phone']);
});

test('V7: cancel returns the place at once; rebooking works; a second cancel → 409', async () => {
  const slot = await freshSlot({ quota: 1 });
  const id = idNumber();
  const b = (await book(anon(), { token, slotId: slot.id, gridId: grid, idNumber: id }, { expect: 201 })).body;
  assert.equal((await getSlot(yonghong, slot.id)).remaining, 0);
  expectProblem(assert, await anon().post(`${PUB}/bookings/${b.code}/cancel`, { idNumber: idNumber() }), 404, 'not_found', 'someone else cannot cancel');
  const res = await anon().post(`${PUB}/bookings/${b.code}/cancel`, { idNumber: id });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'cancelled');
  assert.equal(res.body.cancelBy, 'citizen');
  assert.equal(res.body.canCancel, false);
  const s = await getSlot(yonghong, slot.id);
  assert.equal(s.booked, 0);
  assert.equal(s.remaining, 1, 'the place is back at once');
  expectProblem(assert, await anon().post(`${PUB}/bookings/${b.code}/cancel`, { idNumber: id }), 409, 'not_cancellable');
  const again = await book(anon(), { token, slotId: slot.id, gridId: grid, idNumber: id }, { expect: 201 });
  assert.notEqual(again.body.code, b.code);
  assert.equal((await getSlot(yonghong, slot.id)).remaining, 0);
  const all = (await anon().post(`${PUB}/lookup`, { idNumber: id, code: again.body.code })).body.items;
  assert.deepEqual(all.map((x) => x.status).sort(), ['booked', 'cancelled']);
  // Once checked in, the citizen can no longer cancel.
  const row = (await yonghong.get(`${VAX}/bookings?keyword=${again.body.code}`)).body.items[0];
  assert.equal((await yonghong.post(`${VAX}/bookings/${row.id}/checkin`)).status, 200);
  expectProblem(assert, await anon().post(`${PUB}/bookings/${again.body.code}/cancel`, { idNumber: id }), 409, 'not_cancellable');
  assert.equal((await anon().post(`${PUB}/lookup`, { idNumber: id, code: again.body.code })).body.items.find((x) => x.code === again.body.code).canCancel, false);
});

test('V7: details (grid, phone) change before the first dose; after it → 409 first_dose_given', async () => {
  const slot = await freshSlot();
  const id = idNumber();
  const phone = randomPhone('135');
  const b = (await book(anon(), { token, slotId: slot.id, gridId: grid, idNumber: id, phone }, { expect: 201 })).body;
  const newPhone = randomPhone('136');
  const bgGrid = vx.node('北港社区').id; // another street of the same district
  const res = await anon().post(`${PUB}/bookings/${b.code}/profile`, { idNumber: id, gridId: bgGrid, phone: newPhone });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.gridId, bgGrid);
  assert.equal(res.body.gridName, '北港社区');
  assert.equal(res.body.phoneMasked, maskPhone(newPhone));
  expectProblem(assert, await anon().post(`${PUB}/lookup`, { idNumber: id, phone }), 404, 'not_found', 'the old phone no longer finds it');
  assert.equal((await anon().post(`${PUB}/lookup`, { idNumber: id, phone: newPhone })).status, 200);
  // The staff's keyword search follows the change, whether or not the booking's search terms
  // were written yet (the crowd path writes them behind it).
  const codesFor = async (keyword) => (await zhonglou.get(`${VAX}/bookings?keyword=${keyword}`)).body.items.map((x) => x.code);
  assert.deepEqual(await codesFor(newPhone), [b.code]);
  assert.deepEqual(await codesFor(phone), [], 'the old phone no longer finds it');
  assert.deepEqual(await codesFor(id), [b.code]);
  const tianning = vx.nodeList.find((n) => n.level === 4 && n.path.startsWith(vx.node('天宁区').path));
  const far = await anon().post(`${PUB}/bookings/${b.code}/profile`, { idNumber: id, gridId: tianning.id, phone: newPhone });
  expectProblem(assert, far, 422, undefined, 'a grid of another district');
  assert.deepEqual(errorFields(far), ['gridId']);
  expectProblem(assert, await anon().post(`${PUB}/bookings/${b.code}/profile`, { idNumber: idNumber(), gridId: grid, phone }), 404, 'not_found');

  // Once a dose is given (any vaccine), details are fixed.
  const adeno = await createSlot(yonghong, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.adeno.id, date: cityDate(0), startTime: '00:00', endTime: '24:00' });
  const { booking } = await bookFor(server, yonghong, { token, slotId: adeno.id, gridId: grid, idNumber: id, phone: newPhone });
  assert.equal((await yonghong.post(`${VAX}/bookings/${booking.id}/vaccinate`, { lotNo: 'A1', vaccinator: '张护士' })).status, 200);
  const late = await anon().post(`${PUB}/bookings/${b.code}/profile`, { idNumber: id, gridId: grid, phone: randomPhone('137') });
  expectProblem(assert, late, 409, 'first_dose_given');
  const items = (await anon().post(`${PUB}/lookup`, { idNumber: id, phone: newPhone })).body.items;
  assert.ok(items.every((x) => x.canEditProfile === false));
  assert.equal(items.find((x) => x.code === b.code).gridName, '北港社区', 'unchanged');
});

test('V7: the search terms of bookings made through the crowd path are written once bookings pause', async () => {
  const written = async () => {
    const m = /^fangyi_vax_search_terms_total (\d+)/m.exec((await anon().get('/metrics')).text);
    assert.ok(m, 'metrics list fangyi_vax_search_terms_total');
    return Number(m[1]);
  };
  // Earlier tests' bookings may still be getting their terms: count from a settled figure.
  let before = await written();
  for (let i = 0; i < 20; i++) {
    await sleep(100);
    const again = await written();
    if (again === before) break;
    before = again;
  }
  const slot = await freshSlot();
  const names = ['搜索甲', '搜索乙', '搜索丙'].map((n) => uniq(n));
  const codes = [];
  for (const name of names) codes.push((await book(anon(), { token, slotId: slot.id, gridId: grid, idNumber: idNumber(), name }, { expect: 201 })).body.code);
  // No booking comes now: the engine's terms thread writes them within a round or two.
  let now = before;
  for (let i = 0; i < 40 && now < before + names.length; i++) {
    await sleep(50);
    now = await written();
  }
  assert.ok(now >= before + names.length, `terms written for ${now - before} of ${names.length} bookings`);
  for (const [i, name] of names.entries()) {
    const items = (await zhonglou.get(`${VAX}/bookings?keyword=${encodeURIComponent(name)}`)).body.items;
    assert.deepEqual(items.map((x) => x.code), [codes[i]], `the name ${name} finds its booking from its terms`);
  }
});

// ------------------------------------------------------------------ V8 SMS

test('V8: a booking queues a confirmation SMS (masked phone in the outbox); an admin cancel queues a notice', async () => {
  const slot = await freshSlot();
  const phone = randomPhone('139');
  const res = await book(anon(), { token, slotId: slot.id, gridId: grid, phone, name: '短信人' }, { expect: 201 });
  const code = res.body.code;
  const sms = await smsWith(admin, code);
  assert.equal(sms.length, 1, `one SMS with the code: ${JSON.stringify(sms)}`);
  assert.equal(sms[0].template, 'vax_booked');
  assert.equal(sms[0].phone, maskPhone(phone));
  assert.match(sms[0].content, /短信人/);
  assert.ok(sms[0].content.includes(slot.date));
  assert.equal(sms[0].status, 'pending');
  assert.ok(!(await admin.get('/api/v1/notify/sms?pageSize=200')).text.includes(phone), 'the full phone is not listed');
  const yhSees = await yonghong.all('/api/v1/notify/sms');
  assert.ok(yhSees.some((m) => m.content.includes(code)), 'the street admin sees the SMS of its street');

  const row = (await yonghong.get(`${VAX}/bookings?keyword=${code}`)).body.items[0];
  const cancel = await yonghong.post(`${VAX}/bookings/${row.id}/cancel`, { reason: '接种点停电' });
  assert.equal(cancel.status, 200, cancel.text);
  const notice = (await smsWith(admin, '接种点停电')).filter((m) => m.template === 'vax_cancelled');
  assert.equal(notice.length, 1);
  assert.equal(notice[0].phone, maskPhone(phone));
  // A citizen's own cancellation sends nothing more.
  const b2 = await book(anon(), { token, slotId: slot.id, gridId: grid, phone }, { expect: 201 });
  const before = (await admin.get('/api/v1/notify/sms?pageSize=1')).body.total;
  assert.equal((await anon().post(`${PUB}/bookings/${b2.body.code}/cancel`, { idNumber: b2.sent.idNumber })).status, 200);
  assert.equal((await admin.get('/api/v1/notify/sms?pageSize=1')).body.total, before);
});

// ------------------------------------------------------------------ V9 records

describe('V9 booking records', () => {
  let set; // a site of 永红街道 with bookings of known kinds (see before)

  before(async () => {
    // One site, three slots (vero personal today, vero group today, CHO personal tomorrow) and
    // bookings: plain, checked in, vaccinated, cancelled, group, CHO.
    const site = await createSite(admin, vx.node('永红街道').id);
    const today = { date: cityDate(0), startTime: '00:00', endTime: '24:00' };
    const vero = await createSlot(admin, { siteId: site.id, vaccineId: vx.vaccines.vero.id, ...today });
    const group = await createSlot(admin, { siteId: site.id, vaccineId: vx.vaccines.vero.id, type: 'group', ...today });
    const cho = await createSlot(admin, { siteId: site.id, vaccineId: vx.vaccines.cho.id });
    const groupToken = (await admin.get(`${VAX}/links`)).body.items.find((l) => l.name === '永红街道').groupToken;
    const g = (name) => vx.node(name).id;
    const mk = async (name, slot, gridName, tok = token) => {
      const r = await bookFor(server, admin, { token: tok, slotId: slot.id, gridId: g(gridName), name });
      return { ...r.booking, idNumber: r.sent.idNumber, phone: r.sent.phone };
    };
    const tag = uniq('');
    const b = {
      plain: await mk(`甲${tag}`, vero, '永红社区'),
      checked: await mk(`乙${tag}`, vero, '永红社区'),
      given: await mk(`丙${tag}`, vero, '广化社区'),
      cancelled: await mk(`丁${tag}`, vero, '广化社区'),
      group: await mk(`戊${tag}`, group, '花园社区', groupToken),
      cho: await mk(`己${tag}`, cho, '花园社区'),
    };
    const ok = async (res) => assert.equal((await res).status, 200);
    await ok(admin.post(`${VAX}/bookings/${b.checked.id}/checkin`));
    await ok(admin.post(`${VAX}/bookings/${b.given.id}/vaccinate`, { lotNo: 'LOT1', vaccinator: '王' }));
    await ok(admin.post(`${VAX}/bookings/${b.cancelled.id}/cancel`, { reason: '测试取消' }));
    set = { site, slots: { vero, group, cho }, b, tag };
  });

  /** Codes of the fixture bookings a records query returns (within the fixture site). */
  async function codes(client, query) {
    const items = await client.all(`${VAX}/bookings?siteId=${set.site.id}${query ? `&${query}` : ''}`);
    const names = new Map(Object.entries(set.b).map(([k, v]) => [v.code, k]));
    return items.map((i) => names.get(i.code) ?? i.code).sort();
  }

  test('V9: the records filters (type, vaccine, dose, checked in, vaccinated, status) filter', async () => {
    const { b, slots } = set;
    assert.deepEqual(await codes(yonghong, ''), ['cancelled', 'checked', 'cho', 'given', 'group', 'plain']);
    assert.deepEqual(await codes(yonghong, 'type=group'), ['group']);
    assert.deepEqual(await codes(yonghong, 'type=personal'), ['cancelled', 'checked', 'cho', 'given', 'plain']);
    assert.deepEqual(await codes(yonghong, `vaccineId=${vx.vaccines.cho.id}`), ['cho']);
    assert.deepEqual(await codes(yonghong, `vaccineId=${vx.vaccines.vero.id}&doseNo=1`), ['cancelled', 'checked', 'given', 'group', 'plain']);
    assert.deepEqual(await codes(yonghong, 'doseNo=2'), []);
    assert.deepEqual(await codes(yonghong, 'checkedIn=true'), ['checked', 'given'], 'vaccinated counts as checked in');
    assert.deepEqual(await codes(yonghong, 'checkedIn=false'), ['cancelled', 'cho', 'group', 'plain']);
    assert.deepEqual(await codes(yonghong, 'vaccinated=true'), ['given']);
    assert.deepEqual(await codes(yonghong, 'vaccinated=false&status=booked'), ['checked', 'cho', 'group', 'plain']);
    assert.deepEqual(await codes(yonghong, 'status=cancelled'), ['cancelled']);
    assert.deepEqual(await codes(yonghong, `slotId=${slots.group.id}`), ['group']);
    assert.deepEqual(await codes(yonghong, `from=${cityDate(0)}&to=${cityDate(0)}`), ['cancelled', 'checked', 'cho', 'given', 'group', 'plain'], 'made today');
    assert.deepEqual(await codes(yonghong, `from=${cityDate(1)}`), []);
    const page = await yonghong.get(`${VAX}/bookings?siteId=${set.site.id}&pageSize=2&page=2`);
    assert.equal(page.body.total, 6);
    assert.equal(page.body.items.length, 2);
    const c = (await getBooking(yonghong, b.cancelled.id));
    assert.equal(c.cancelBy, 'admin');
    assert.equal(c.cancelReason, '测试取消');
  });

  test('V9: keyword finds by name, booking code, full ID, last 4–6 ID characters and phone', async () => {
    const { b } = set;
    assert.deepEqual(await codes(yonghong, `keyword=${encodeURIComponent(b.plain.name)}`), ['plain']);
    assert.deepEqual(await codes(yonghong, `keyword=${b.checked.code}`), ['checked']);
    assert.deepEqual(await codes(yonghong, `keyword=${b.given.idNumber}`), ['given']);
    assert.deepEqual(await codes(yonghong, `keyword=${b.given.idNumber.toLowerCase()}`), ['given']);
    assert.deepEqual(await codes(yonghong, `keyword=${b.cho.phone}`), ['cho']);
    const tail6 = await codes(yonghong, `keyword=${b.group.idNumber.slice(-6)}`);
    assert.ok(tail6.includes('group'));
    // Across the whole street the last 4 characters find it too, among bookings with that tail.
    const tail4 = await yonghong.all(`${VAX}/bookings?keyword=${b.group.idNumber.slice(-4)}`);
    assert.ok(tail4.some((i) => i.code === b.group.code));
    assert.ok(tail4.every((i) => i.idMasked.endsWith(b.group.idNumber.slice(-4))), 'every hit has that tail');
    assert.deepEqual(await codes(yonghong, `keyword=${encodeURIComponent('无此人')}`), []);
    assert.deepEqual(await codes(yonghong, `keyword=${idNumber()}`), []);
    assert.deepEqual(await codes(yonghong, `keyword=${randomPhone('139')}`), []);
  });

  test('V9: keyword finds foreigners by their Latin name, whatever its length', async () => {
    const slot = await createSlot(admin, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.vero.id, type: 'foreign' });
    for (const name of ['Li', 'Maria', 'Michael', 'John Smith', 'Alexandra']) {
      const { booking } = await bookFor(server, admin, { token, slotId: slot.id, gridId: vx.node('永红社区').id, name, idType: 'passport', idNumber: passportNumber(), birthDate: '1985-03-04', phone: '+85291234567' });
      const found = (await yonghong.all(`${VAX}/bookings?keyword=${encodeURIComponent(name)}`)).map((b) => b.code);
      assert.ok(found.includes(booking.code), `keyword ${name} finds the booking of ${name}`);
    }
  });

  test('X6: lists and details mask ID numbers and phones', async () => {
    const res = await yonghong.get(`${VAX}/bookings?siteId=${set.site.id}&pageSize=50`);
    for (const v of Object.values(set.b)) {
      const row = res.body.items.find((i) => i.code === v.code);
      assert.equal(row.idMasked, maskId(v.idNumber));
      assert.equal(row.phoneMasked, maskPhone(v.phone));
      assert.ok(!res.text.includes(v.idNumber), 'no full ID number in the list');
      assert.ok(!res.text.includes(v.phone), 'no full phone in the list');
      const one = await yonghong.get(`${VAX}/bookings/${v.id}`);
      assert.ok(!one.text.includes(v.idNumber) && !one.text.includes(v.phone));
    }
  });

  test('X6/X5: reveal needs pii:id:reveal and is audited', async () => {
    const { plain } = set.b;
    expectProblem(assert, await yonghong.post(`${VAX}/bookings/${plain.id}/reveal`), 403, undefined, 'a street admin lacks pii:id:reveal');
    assert.equal((await auditRows(admin, 'vax_booking', plain.id, 'reveal')).length, 0);
    const res = await zhonglou.post(`${VAX}/bookings/${plain.id}/reveal`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { idNumber: plain.idNumber, phone: plain.phone });
    const rows = await auditRows(admin, 'vax_booking', plain.id, 'reveal');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].actorName, 'zhonglou');
    assert.ok(!JSON.stringify(rows[0]).includes(plain.idNumber), 'the audit row does not hold the number itself');
    expectProblem(assert, await zhonglou.post(`${VAX}/bookings/99999999/reveal`), 404);
  });

  test('V9/X8: export is an .xlsx of the filtered records, masked without pii:id:reveal, and audited', async () => {
    const before = (await auditRows(admin, 'vax_booking', 0, 'export')).length;
    const res = await yonghong.get(`${VAX}/bookings/export?siteId=${set.site.id}&status=booked`);
    const rows = expectXlsx(res, /bookings-\d{8}\.xlsx/);
    const head = rows[0];
    for (const col of ['编号', '姓名', '身份证号', '手机', '疫苗名称', '针数', '所属网格', '状态', '接种']) assert.ok(head.includes(col), `column ${col}`);
    const data = rows.slice(1);
    assert.equal(data.length, 5, 'the cancelled booking is filtered out');
    const col = (name) => head.indexOf(name);
    const byCode = new Map(data.map((r) => [r[col('编号')], r]));
    for (const [k, v] of Object.entries(set.b)) {
      if (k === 'cancelled') {
        assert.ok(!byCode.has(v.code));
        continue;
      }
      const r = byCode.get(v.code);
      assert.ok(r, `${k} exported`);
      assert.equal(r[col('姓名')], v.name);
      assert.equal(r[col('身份证号')], maskId(v.idNumber));
      assert.equal(r[col('手机')], maskPhone(v.phone));
    }
    assert.equal(byCode.get(set.b.given.code)[col('接种')], '已接种');
    assert.ok(!res.bytes.toString('latin1').includes(set.b.plain.idNumber));
    const after = await auditRows(admin, 'vax_booking', 0, 'export');
    assert.equal(after.length, before + 1, 'one audit row per export');
    assert.equal(after[0].actorName, 'yonghong');

    // With pii:id:reveal the file holds the numbers in clear (and says so in the audit trail).
    const full = expectXlsx(await zhonglou.get(`${VAX}/bookings/export?siteId=${set.site.id}&type=group`));
    assert.equal(full.length, 2);
    assert.equal(full[1][full[0].indexOf('身份证号')], set.b.group.idNumber);
    assert.equal(full[1][full[0].indexOf('手机')], set.b.group.phone);
    assert.equal((await auditRows(admin, 'vax_booking', 0, 'export')).length, before + 2);
    // The grid admin has no export permission.
    const grid = await server.login('yonghong-grid');
    expectProblem(assert, await grid.get(`${VAX}/bookings/export`), 403);
  });

  test('V9: edit details: street admin before the first dose; after it only district level (409 first_dose_given)', async () => {
    const slot = await createSlot(admin, { siteId: set.site.id, vaccineId: vx.vaccines.adeno.id, date: cityDate(0), startTime: '00:00', endTime: '24:00' });
    const first = (await bookFor(server, admin, { token, slotId: slot.id, gridId: vx.node('永红社区').id })).booking;
    const phone = randomPhone('136');
    const res = await yonghong.put(`${VAX}/bookings/${first.id}`, { name: '改名甲', phone, gridId: vx.node('勤业新村社区').id });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.name, '改名甲');
    assert.equal(res.body.phoneMasked, maskPhone(phone));
    assert.equal(res.body.gridName, '勤业新村社区');
    const audit = await auditRows(admin, 'vax_booking', first.id, 'update');
    assert.equal(audit.length, 1);
    assert.ok(!JSON.stringify(audit[0]).includes(phone), 'the audit row keeps the phone masked');
    const bad = await yonghong.put(`${VAX}/bookings/${first.id}`, { name: '改名甲', phone: '12345', gridId: vx.node('北港社区').id });
    expectProblem(assert, bad, 422);

    assert.equal((await yonghong.post(`${VAX}/bookings/${first.id}/vaccinate`, { lotNo: 'A', vaccinator: 'B' })).status, 200);
    expectProblem(assert, await yonghong.put(`${VAX}/bookings/${first.id}`, { name: '再改', phone, gridId: vx.node('永红社区').id }), 409, 'first_dose_given');
    assert.equal((await getBooking(admin, first.id)).name, '改名甲');
    const district = await zhonglou.put(`${VAX}/bookings/${first.id}`, { name: '区里改', phone, gridId: vx.node('永红社区').id });
    assert.equal(district.status, 200, district.text);
    assert.equal(district.body.name, '区里改');
  });

  test('V9: cancel by an admin: the place returns, an SMS tells, and only once', async () => {
    const slot = await createSlot(admin, { siteId: set.site.id, vaccineId: vx.vaccines.vero.id, quota: 1 });
    const b = (await bookFor(server, admin, { token, slotId: slot.id, gridId: vx.node('永红社区').id })).booking;
    assert.equal((await getSlot(admin, slot.id)).remaining, 0);
    const res = await yonghong.post(`${VAX}/bookings/${b.id}/cancel`, { reason: '疫苗未到货' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'cancelled');
    assert.equal(res.body.cancelBy, 'admin');
    assert.equal(res.body.cancelReason, '疫苗未到货');
    assert.equal((await getSlot(admin, slot.id)).remaining, 1);
    expectProblem(assert, await yonghong.post(`${VAX}/bookings/${b.id}/cancel`), 409, 'not_cancellable');
    expectProblem(assert, await yonghong.post(`${VAX}/bookings/${set.b.given.id}/cancel`), 409, 'not_cancellable', 'a vaccinated booking stays');
    assert.equal((await getSlot(admin, slot.id)).remaining, 1, 'the place came back once');
    assert.equal((await smsWith(admin, '疫苗未到货')).filter((m) => m.template === 'vax_cancelled').length, 1);
    assert.equal((await auditRows(admin, 'vax_booking', b.id, 'cancel')).length, 1);
    // Without a body the reason defaults.
    const b2 = (await bookFor(server, admin, { token, slotId: slot.id, gridId: vx.node('永红社区').id })).booking;
    const bare = await yonghong.post(`${VAX}/bookings/${b2.id}/cancel`);
    assert.equal(bare.status, 200, bare.text);
    assert.ok(bare.body.cancelReason.length > 0);
  });

  test('V9/V14: changing the grid (修改网格) moves the booking and the grid statistics', async () => {
    const stats = async () => {
      const res = await yonghong.get(`${VAX}/stats/grids?regionId=${vx.node('永红街道').id}`);
      assert.equal(res.status, 200, res.text);
      return new Map(res.body.rows.map((r) => [r.name, r]));
    };
    const vero = String(vx.vaccines.vero.id);
    const given = await getBooking(admin, set.b.given.id);
    assert.equal(given.gridName, '广化社区');
    const before = await stats();
    const res = await yonghong.post(`${VAX}/bookings/${given.id}/grid`, { gridId: vx.node('花园社区').id });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.gridName, '花园社区');
    assert.equal(res.body.gridId, vx.node('花园社区').id);
    const after = await stats();
    assert.equal(after.get('广化社区').doses[vero][0], before.get('广化社区').doses[vero][0] - 1, 'the dose leaves the old grid');
    assert.equal(after.get('花园社区').doses[vero][0], before.get('花园社区').doses[vero][0] + 1, 'and counts in the new one');
    assert.equal(after.get('广化社区').firstDose, before.get('广化社区').firstDose - 1);
    assert.equal(after.get('花园社区').firstDose, before.get('花园社区').firstDose + 1);
    // An active (not yet vaccinated) booking moves the booked count only.
    const plain = set.b.plain;
    const r2 = await yonghong.post(`${VAX}/bookings/${plain.id}/grid`, { gridId: vx.node('花园社区').id });
    assert.equal(r2.status, 200, r2.text);
    const after2 = await stats();
    assert.equal(after2.get('永红社区').booked, after.get('永红社区').booked - 1);
    assert.equal(after2.get('花园社区').booked, after.get('花园社区').booked + 1);
    assert.equal(after2.get('花园社区').doses[vero][0], after.get('花园社区').doses[vero][0]);
    assert.equal((await auditRows(admin, 'vax_booking', given.id, 'grid')).length, 1);
    const out = await yonghong.post(`${VAX}/bookings/${plain.id}/grid`, { gridId: vx.node('北港社区').id });
    expectProblem(assert, out, 422);
    assert.deepEqual(errorFields(out), ['gridId']);
  });

  test('scope: a 永红 account lists no 北港 sites, staff, slots or bookings', async () => {
    const bg = await server.login('beigang');
    const bgSlot = (await bg.all(`${VAX}/slots`))[0];
    const bgBooking = (await bookFor(server, bg, { token: vx.links.get('北港街道').token, slotId: bgSlot.id, gridId: vx.node('北港社区').id })).booking;
    for (const c of [yonghong, await server.login('yonghong-grid')]) {
      // (vaccinated=false leaves out the thousands of demo doses)
      const bookings = await c.all(`${VAX}/bookings?vaccinated=false`);
      assert.ok(bookings.length >= 1);
      assert.ok(bookings.every((x) => x.streetName === '永红街道'));
      assert.ok(!bookings.some((x) => x.id === bgBooking.id));
      for (const q of [`keyword=${bgBooking.code}`, `slotId=${bgSlot.id}`, `siteId=${bgSlot.siteId}`])
        assert.equal((await c.get(`${VAX}/bookings?${q}`)).body.total, 0, q);
      expectProblem(assert, await c.get(`${VAX}/bookings/${bgBooking.id}`), 404);
    }
    assert.equal((await admin.get(`${VAX}/bookings?keyword=${bgBooking.code}`)).body.total, 1, 'the admin does find it');
    assert.ok((await yonghong.all(`${VAX}/slots`)).every((x) => x.streetName === '永红街道'));
    assert.ok((await yonghong.all(`${VAX}/sites`)).every((x) => x.streetName === '永红街道'));
    const staff = await yonghong.all(`${VAX}/staff`);
    const yhSites = new Set((await yonghong.all(`${VAX}/sites`)).map((s) => s.id));
    assert.ok(staff.every((s) => yhSites.has(s.siteId)));
    // The grid admin sees its own grid's bookings only.
    const gridAdmin = await server.login('yonghong-grid');
    const own = await gridAdmin.all(`${VAX}/bookings?vaccinated=false`);
    assert.ok(own.length >= 1 && own.every((x) => x.gridName === '永红社区'));
  });
});
