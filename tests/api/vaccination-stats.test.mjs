// SPEC V14 (region and grid statistics: doses per vaccine and dose, plan = population × target,
// completion rates and ranks, export), V15 (leaderboard) and X10 (home-page summary): a new
// street with two grids of known population gives exact numbers. Then V11 and X8: batch import
// of bookings and of historical vaccinations from the template (.xlsx or .csv): good rows
// imported, failed rows reported by number and reason, duplicates on (ID number, vaccine, dose)
// skipped, history counted in the statistics.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { cityDate, createReadyUser, expectProblem, randomPhone, startServer, uniq } from './lib/harness.mjs';
import { VAX, auditRows, badCheck, bookFor, createSite, createSlot, csv, expectXlsx, getSlot, idNumber, makeXlsx, vaxWorld } from './lib/vax.mjs';

let server;
let admin;
let yonghong;
let vx;
let w; // the test street: {street, gridA, gridB, user (a street admin there), token}

const BOOKING_COLS = ['姓名', '证件类型', '身份证号', '手机', '疫苗编号', '疫苗名称', '针数', '所属网格'];
const HISTORY_COLS = [...BOOKING_COLS, '接种日期', '批号'];

before(async () => {
  server = await startServer();
  [admin, yonghong] = await Promise.all(['admin', 'yonghong'].map((u) => server.login(u)));
  vx = await vaxWorld(admin);
  const district = vx.node('钟楼区');
  const street = (await admin.post('/api/v1/region/nodes', { parentId: district.id, name: uniq('统计街道'), population: 1000 })).body;
  const gridA = (await admin.post('/api/v1/region/nodes', { parentId: street.id, name: uniq('甲社区'), kind: 'community', population: 600 })).body;
  const gridB = (await admin.post('/api/v1/region/nodes', { parentId: street.id, name: uniq('乙村'), kind: 'village', population: 400 })).body;
  const user = (await createReadyUser(server, admin, { regionId: street.id, roleIds: [vx.roles.get('street_admin').id] })).client;
  const token = (await admin.get(`${VAX}/links`)).body.items.find((l) => l.regionId === street.id).token;
  const site = await createSite(admin, street.id);
  const today = { date: cityDate(0), startTime: '00:00', endTime: '24:00' };
  const veroSlot = await createSlot(admin, { siteId: site.id, vaccineId: vx.vaccines.vero.id, ...today });
  const adenoSlot = await createSlot(admin, { siteId: site.id, vaccineId: vx.vaccines.adeno.id, ...today });
  const give = async (slot, gridId, fields = {}) => {
    const { booking } = await bookFor(server, admin, { token, slotId: slot.id, gridId, ...fields });
    const res = await admin.post(`${VAX}/bookings/${booking.id}/vaccinate`, { lotNo: 'S1', vaccinator: '统计' });
    assert.equal(res.status, 200, res.text);
    return booking;
  };
  // Grid A: vero dose 1 ×2, adenovirus ×1 (a full course), one booking not yet given.
  await give(veroSlot, gridA.id);
  await give(veroSlot, gridA.id);
  await give(adenoSlot, gridA.id);
  await bookFor(server, admin, { token, slotId: veroSlot.id, gridId: gridA.id });
  // Grid B: vero dose 1 from history (40 days ago), dose 2 given today (a full course).
  const p = idNumber();
  const imp = await admin.post(
    `${VAX}/imports?kind=history&regionId=${street.id}`,
    Buffer.from(csv([HISTORY_COLS, ['统计乙', '身份证', p, '', vx.vaccines.vero.code, '', '1', gridB.name, cityDate(-40), 'H1']])),
    { headers: { 'Content-Type': 'text/csv' } },
  );
  assert.equal(imp.body.imported, 1, imp.text);
  await give(veroSlot, gridB.id, { idNumber: p, doseNo: 2 });
  w = { street, gridA, gridB, user, token };
});

after(async () => {
  await server?.stop();
});

const near = (a, b) => Math.abs(a - b) < 1e-9;

test('V14: grid statistics count each dose in its vaccine and dose column, with plan, rates and ranks', async () => {
  const res = await w.user.get(`${VAX}/stats/grids`);
  assert.equal(res.status, 200, res.text);
  const s = res.body;
  assert.equal(s.target, 0.44);
  assert.deepEqual(
    s.vaccines.map((v) => [v.id, v.doses]),
    [vx.vaccines.vero, vx.vaccines.cho, vx.vaccines.adeno].map((v) => [v.id, v.doses]),
  );
  assert.deepEqual(s.rows.map((r) => r.name), [w.gridA.name, w.gridB.name]);
  const [a, b] = s.rows;
  const vero = String(vx.vaccines.vero.id);
  const cho = String(vx.vaccines.cho.id);
  const adeno = String(vx.vaccines.adeno.id);
  assert.deepEqual(a.doses, { [vero]: [2, 0], [cho]: [0, 0, 0], [adeno]: [1] });
  assert.deepEqual(b.doses, { [vero]: [1, 1], [cho]: [0, 0, 0], [adeno]: [0] });
  assert.equal(a.population, 600);
  assert.equal(a.plan, 264, 'plan = round(600 × 0.44)');
  assert.equal(b.plan, 176);
  assert.equal(a.firstDose, 3, 'first doses of every vaccine');
  assert.equal(a.fullCourse, 1, 'the one-dose vaccine completes a course');
  assert.equal(b.firstDose, 1);
  assert.equal(b.fullCourse, 1);
  assert.ok(near(a.firstRate, Math.round((3 / 264) * 1e4) / 1e4), `firstRate ${a.firstRate}`);
  assert.ok(near(b.fullRate, Math.round((1 / 176) * 1e4) / 1e4), `fullRate ${b.fullRate}`);
  assert.equal(a.firstRank, 1);
  assert.equal(b.firstRank, 2);
  assert.equal(b.fullRank, 1, '1/176 beats 1/264');
  assert.equal(a.fullRank, 2);
  assert.equal(a.booked, 4, 'active bookings (given or not)');
  assert.equal(s.total.name, w.street.name);
  assert.equal(s.total.population, 1000);
  assert.equal(s.total.plan, 440);
  assert.equal(s.total.firstDose, 4);
  assert.equal(s.total.fullCourse, 2);
  assert.deepEqual(s.total.doses[vero], [3, 1]);
});

test('V14: region statistics: the street is a row of its district, with its own population and the doses of its grids', async () => {
  const res = await admin.get(`${VAX}/stats/regions?regionId=${vx.node('钟楼区').id}`);
  assert.equal(res.status, 200, res.text);
  const rows = res.body.rows;
  assert.ok(rows.some((r) => r.name === '永红街道') && rows.some((r) => r.name === '北港街道'));
  const row = rows.find((r) => r.regionId === w.street.id);
  assert.ok(row, 'the new street is a row');
  assert.equal(row.population, 1000);
  assert.equal(row.plan, 440);
  assert.equal(row.firstDose, 4);
  assert.equal(row.fullCourse, 2);
  assert.deepEqual(row.doses[String(vx.vaccines.vero.id)], [3, 1]);
  const ranks = rows.map((r) => r.firstRank);
  assert.ok(ranks.includes(1));
  for (const r of rows) assert.equal(r.firstRank, 1 + rows.filter((x) => x.firstRate > r.firstRate).length, `${r.name}: competition rank`);
  // The district total is the sum of its streets.
  const sum = (k) => rows.reduce((n, r) => n + r[k], 0);
  assert.equal(res.body.total.firstDose, sum('firstDose'));
  assert.equal(res.body.total.fullCourse, sum('fullCourse'));
  // The city's rows are its districts.
  const city = await admin.get(`${VAX}/stats/regions`);
  assert.deepEqual(city.body.rows.map((r) => r.name).sort(), ['天宁区', '钟楼区'].sort());
  // A street admin sees its street only; another street is out of scope.
  const own = await w.user.get(`${VAX}/stats/regions`);
  assert.deepEqual(own.body.rows.map((r) => r.regionId), [w.street.id]);
  assert.ok([403, 404].includes((await w.user.get(`${VAX}/stats/regions?regionId=${vx.node('永红街道').id}`)).status));
});

test('V14: the coverage target (city admin only) changes the plan and the rates', async () => {
  const orig = (await admin.get(`${VAX}/settings`)).body;
  expectProblem(assert, await w.user.put(`${VAX}/settings`, { ...orig, coverageTarget: 0.5 }), 403);
  try {
    const res = await admin.put(`${VAX}/settings`, { ...orig, coverageTarget: 0.5 });
    assert.equal(res.status, 200, res.text);
    const s = (await w.user.get(`${VAX}/stats/grids`)).body;
    assert.equal(s.target, 0.5);
    const [a, b] = s.rows;
    assert.equal(a.plan, 300);
    assert.equal(b.plan, 200);
    assert.ok(near(a.firstRate, 0.01), `3/300 = ${a.firstRate}`);
    assert.ok(near(b.fullRate, 0.005), `1/200 = ${b.fullRate}`);
    assert.equal(s.total.plan, 500);
  } finally {
    assert.equal((await admin.put(`${VAX}/settings`, orig)).status, 200);
  }
  assert.equal((await w.user.get(`${VAX}/stats/grids`)).body.rows[0].plan, 264);
});

test('V15: the board: streets and grids ranked, 14 days of bookings and vaccinations', async () => {
  const res = await admin.get(`${VAX}/stats/board?regionId=${w.street.id}`);
  assert.equal(res.status, 200, res.text);
  const board = res.body;
  assert.equal(board.region.id, w.street.id);
  assert.equal(board.days.length, 14);
  assert.equal(board.days[13].date, cityDate(0));
  assert.equal(board.days[0].date, cityDate(-13));
  assert.equal(board.days[13].vaccinated, 4, 'given today: 2 vero, 1 adeno, 1 vero dose 2');
  assert.equal(board.days[13].booked, 5, 'booked online today');
  assert.ok(board.days.slice(0, 13).every((d) => d.vaccinated === 0), 'the history dose was 40 days ago');
  assert.deepEqual(board.grids.map((g) => g.name), [w.gridA.name, w.gridB.name], 'grids by first-dose rate');
  assert.equal(board.totals.firstDose, 4);

  const city = (await admin.get(`${VAX}/stats/board`)).body;
  const names = city.streets.map((s) => s.name);
  for (const n of ['永红街道', '北港街道', '雕庄街道', w.street.name]) assert.ok(names.includes(n), `${n} on the city board`);
  assert.ok(!names.includes('钟楼区'), 'streets, not districts');
  for (let i = 1; i < city.streets.length; i++) assert.ok(city.streets[i - 1].fullRate >= city.streets[i].fullRate, 'streets by full-course rate');
  assert.ok(city.grids.length <= 30);
  for (let i = 1; i < city.grids.length; i++) assert.ok(city.grids[i - 1].firstRate >= city.grids[i].firstRate);
  assert.ok(city.days.slice(0, 13).some((d) => d.vaccinated > 0), 'the demo doses of the last two weeks');
});

test('X10: the home-page summary counts today’s bookings and vaccinations of the account’s region', async () => {
  const res = await w.user.get(`${VAX}/stats/summary`);
  assert.equal(res.status, 200, res.text);
  const s = res.body;
  assert.equal(s.todayBooked, 5);
  assert.equal(s.todayVaccinated, 4);
  assert.equal(s.totalVaccinated, 5, 'with the history dose');
  assert.equal(s.firstDose, 4);
  assert.equal(s.fullCourse, 2);
  assert.equal(s.population, 1000);
  assert.equal(s.plan, 440);
  assert.equal(s.openSlots, 2);
  assert.equal(s.remainingPlaces, 20 - 5);
  // A new booking shows at once.
  const slot = (await admin.get(`${VAX}/slots?regionId=${w.street.id}&vaccineId=${vx.vaccines.vero.id}`)).body.items[0];
  await bookFor(server, admin, { token: w.token, slotId: slot.id, gridId: w.gridB.id });
  const after = (await w.user.get(`${VAX}/stats/summary`)).body;
  assert.equal(after.todayBooked, 6);
  assert.equal(after.remainingPlaces, 14);
  const city = (await admin.get(`${VAX}/stats/summary`)).body;
  assert.ok(city.todayBooked >= 6 && city.totalVaccinated > 1000 && city.population === 1250000);
});

test('V14: statistics export as .xlsx with the dose columns, a total row; permissions apply', async () => {
  const rows = expectXlsx(await w.user.get(`${VAX}/stats/grids/export`), /grid-stats-\d{8}\.xlsx/);
  const head = rows[0];
  assert.equal(head[0], '网格');
  assert.equal(head[1], '常住人口(a)');
  assert.ok(head.some((h) => h.startsWith(vx.vaccines.vero.name) && h.includes('第2剂')));
  assert.ok(head.includes('计划数(k)'));
  const a = rows.find((r) => r[0] === w.gridA.name);
  assert.equal(a[1], '600');
  assert.equal(a[head.indexOf('计划数(k)')], '264');
  assert.equal(a[head.indexOf('首针完成率')], '1.14%');
  assert.match(rows.at(-1)[0], /^合计/);
  assert.equal(rows.length, 4, 'header, two grids, total');
  const regions = expectXlsx(await admin.get(`${VAX}/stats/regions/export?regionId=${vx.node('钟楼区').id}`), /region-stats-\d{8}\.xlsx/);
  assert.ok(regions.some((r) => r[0] === w.street.name));
  // The grid admin of 永红社区 sees the statistics of its grid, but may not export.
  const grid = await server.login('yonghong-grid');
  const gs = await grid.get(`${VAX}/stats/grids`);
  assert.equal(gs.status, 200, gs.text);
  assert.deepEqual(gs.body.rows.map((r) => r.name), ['永红社区']);
  expectProblem(assert, await grid.get(`${VAX}/stats/grids/export`), 403);
  expectProblem(assert, await grid.get(`${VAX}/stats/board`), 403);
});

// ------------------------------------------------------------------ V11 import

describe('V11 import', () => {
  /** POSTs a file to the import route as the raw body. */
  function upload(client, bytes, query, type = 'text/csv') {
    return client.post(`${VAX}/imports?${query}`, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8'), { headers: { 'Content-Type': type } });
  }
  const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  const street = () => vx.node('永红街道').id;
  const freshSlot = (extra = {}) => createSlot(yonghong, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.vero.id, quota: 50, ...extra });
  const veroRow = (name, id, grid, dose = '1', extra = []) => [name, '身份证', id, randomPhone('135'), vx.vaccines.vero.code, vx.vaccines.vero.name, dose, grid, ...extra];
  /** Grid statistics of 永红街道 as name -> row. */
  async function gridStats(client = yonghong) {
    const res = await client.get(`${VAX}/stats/grids?regionId=${street()}`);
    assert.equal(res.status, 200, res.text);
    return new Map(res.body.rows.map((r) => [r.name, r]));
  }

  test('V11: templates for bookings and history, as .xlsx and .csv', async () => {
    const x = expectXlsx(await yonghong.get(`${VAX}/imports/template?kind=booking&format=xlsx`), /import-booking\.xlsx/);
    assert.deepEqual(x[0], BOOKING_COLS);
    assert.equal(x.length, 2, 'header and one sample row');
    assert.equal(x[1][BOOKING_COLS.indexOf('所属网格')], '荷花池社区');
    const h = expectXlsx(await yonghong.get(`${VAX}/imports/template?kind=history`), /import-history\.xlsx/);
    assert.deepEqual(h[0], HISTORY_COLS);
    const c = await yonghong.get(`${VAX}/imports/template?kind=booking&format=csv`);
    assert.equal(c.status, 200);
    assert.match(c.headers.get('content-type'), /^text\/csv/);
    assert.match(c.headers.get('content-disposition'), /attachment;.*import-booking\.csv/);
    assert.equal(c.text.charCodeAt(0), 0xfeff, 'a BOM, so Excel reads UTF-8');
    assert.equal(c.text.slice(1).split(/\r?\n/)[0], BOOKING_COLS.join(','));
    const ch = await yonghong.get(`${VAX}/imports/template?kind=history&format=csv`);
    assert.equal(ch.text.slice(1).split(/\r?\n/)[0], HISTORY_COLS.join(','));
    expectProblem(assert, await yonghong.get(`${VAX}/imports/template?kind=other`), 400);
    expectProblem(assert, await (await server.login('yonghong-grid')).get(`${VAX}/imports/template`), 403);
  });

  test('V11: a CSV of bookings: good rows imported, bad rows reported by number and reason, duplicates skipped', async () => {
    const slot = await freshSlot();
    const [a, b, c] = [idNumber(), idNumber(), idNumber()];
    const rows = [
      BOOKING_COLS,
      veroRow('导入甲', a, '永红社区'), // row 2: good
      veroRow('导入乙', badCheck(b), '永红社区'), // row 3: invalid ID
      veroRow('导入丙', c, '不存在社区'), // row 4: unknown grid
      veroRow('导入甲', a, '永红社区'), // row 5: duplicate of row 2
      ['导入丁', '身份证', idNumber(), randomPhone('135'), 'NO-SUCH-VACCINE', '不存在的疫苗', '1', '广化社区'], // row 6: unknown vaccine
      veroRow('导入戊', b, '广化社区'), // row 7: good
      veroRow('', idNumber(), '广化社区'), // row 8: no name
      veroRow('导入己', idNumber({ age: 16 }), '广化社区'), // row 9: under age
      veroRow('导入庚', idNumber(), '北港社区'), // row 10: a grid of another street
    ];
    const res = await upload(yonghong, csv(rows), `kind=booking&regionId=${street()}&slotId=${slot.id}&filename=batch.csv`);
    assert.equal(res.status, 200, res.text);
    const r = res.body;
    assert.equal(r.total, 9);
    assert.equal(r.imported, 2);
    assert.equal(r.skipped, 1);
    assert.equal(r.failed, 6);
    const byRow = new Map(r.errors.map((e) => [e.row, e]));
    assert.deepEqual([...byRow.keys()].sort((x, y) => x - y), [3, 4, 5, 6, 8, 9, 10]);
    assert.equal(byRow.get(3).field, '身份证号');
    assert.equal(byRow.get(4).field, '所属网格');
    assert.equal(byRow.get(5).field, '身份证号');
    assert.match(byRow.get(5).reason, /重复/);
    assert.match(byRow.get(6).field, /疫苗/);
    assert.equal(byRow.get(8).field, '姓名');
    assert.equal(byRow.get(10).field, '所属网格');
    for (const e of r.errors) assert.ok(e.reason.length > 0, `row ${e.row} has a reason`);

    const s = await getSlot(yonghong, slot.id);
    assert.equal(s.booked, 2, 'the good rows took places in the slot');
    const listed = await yonghong.all(`${VAX}/bookings?slotId=${slot.id}`);
    assert.deepEqual(listed.map((x) => x.name).sort(), ['导入戊', '导入甲'].sort());
    assert.ok(listed.every((x) => x.source === 'import' && x.status === 'booked'));
    assert.equal(listed.find((x) => x.name === '导入戊').gridName, '广化社区');
    const audit = (await auditRows(admin, 'vax_booking', 0, 'import'))[0];
    assert.match(audit.summary, /batch\.csv/);

    // The same file again imports nothing: all are duplicates now (or still failing).
    const again = await upload(yonghong, csv(rows), `kind=booking&regionId=${street()}&slotId=${slot.id}`);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.imported, 0);
    assert.equal(again.body.skipped, 3);
    assert.equal((await getSlot(yonghong, slot.id)).booked, 2);
  });

  test('V11: history import counts in the statistics; re-importing the same file imports 0', async () => {
    const before = await gridStats();
    const vero = String(vx.vaccines.vero.id);
    const [p, q] = [idNumber(), idNumber()];
    const d1 = cityDate(-40);
    const d2 = cityDate(-15);
    const rows = [
      HISTORY_COLS,
      veroRow('历史甲', p, '永红社区', '1', [d1, 'H001']),
      veroRow('历史甲', p, '永红社区', '第2针', [d2, 'H002']),
      veroRow('历史乙', q, '花园社区', '1', [d1.replaceAll('-', '/'), 'H003']),
      veroRow('历史丙', idNumber(), '花园社区', '1', [cityDate(3), 'H004']), // a date in the future
      veroRow('历史丁', idNumber(), '花园社区', '3', [d1, 'H005']), // vero has 2 doses
      ['历史戊', '身份证', idNumber(), '', 'NO-SUCH', '', '1', '花园社区', d1, 'H006'], // unknown vaccine
    ];
    const res = await upload(yonghong, csv(rows), `kind=history&regionId=${street()}`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual({ total: res.body.total, imported: res.body.imported, skipped: res.body.skipped, failed: res.body.failed }, { total: 6, imported: 3, skipped: 0, failed: 3 });
    const errs = new Map(res.body.errors.map((e) => [e.row, e.field]));
    assert.equal(errs.get(5), '接种日期');
    assert.equal(errs.get(6), '针数');
    assert.match(errs.get(7), /疫苗/);

    const after = await gridStats();
    assert.equal(after.get('永红社区').doses[vero][0], before.get('永红社区').doses[vero][0] + 1);
    assert.equal(after.get('永红社区').doses[vero][1], before.get('永红社区').doses[vero][1] + 1);
    assert.equal(after.get('永红社区').fullCourse, before.get('永红社区').fullCourse + 1);
    assert.equal(after.get('花园社区').doses[vero][0], before.get('花园社区').doses[vero][0] + 1);
    const rows2 = await yonghong.all(`${VAX}/bookings?keyword=${p}`);
    assert.equal(rows2.length, 2);
    assert.ok(rows2.every((x) => x.source === 'history' && x.vaccinated));
    assert.deepEqual(rows2.map((x) => x.date).sort(), [d1, d2]);

    // The imported doses count for eligibility: 历史甲 has finished vero.
    const el = await server.client().post('/api/v1/public/vaccination/eligibility', { token: vx.links.get('永红街道').token, idNumber: p });
    assert.equal(el.body.vaccines.find((v) => v.vaccineId === vx.vaccines.vero.id).reason, 'course_complete');

    const again = await upload(yonghong, csv(rows), `kind=history&regionId=${street()}`);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.imported, 0);
    assert.equal(again.body.skipped, 3);
    assert.deepEqual(await gridStats(), after, 'statistics unchanged');
  });

  test('V11: an .xlsx upload works (the downloaded template, and a workbook built here)', async () => {
    // The template's sample row: 荷花池社区 with a fixed ID, booked into a slot of 荷花池街道.
    const hh = vx.node('荷花池街道').id;
    const slot = await createSlot(admin, { siteId: vx.sites.get('荷花池街道').id, vaccineId: vx.vaccines.vero.id });
    const tpl = await admin.get(`${VAX}/imports/template?kind=booking&format=xlsx`);
    const res = await upload(admin, tpl.bytes, `kind=booking&regionId=${hh}&slotId=${slot.id}&filename=template.xlsx`, XLSX_TYPE);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual({ total: res.body.total, imported: res.body.imported, failed: res.body.failed }, { total: 1, imported: 1, failed: 0 });
    const rows = await admin.all(`${VAX}/bookings?slotId=${slot.id}`);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].name, '张三');
    assert.equal(rows[0].gridName, '荷花池社区');
    const again = await upload(admin, tpl.bytes, `kind=booking&regionId=${hh}&slotId=${slot.id}`, XLSX_TYPE);
    assert.deepEqual({ imported: again.body.imported, skipped: again.body.skipped }, { imported: 0, skipped: 1 });

    // A workbook with columns in another order and a history row.
    const id = idNumber();
    const book = makeXlsx([
      ['所属网格', '针数', '接种日期', '姓名', '身份证号', '疫苗编号', '批号'],
      ['勤业新村社区', '1', cityDate(-3), '表格甲', id, vx.vaccines.adeno.code, 'X1'],
      ['勤业新村社区', '1', cityDate(-3), '表格乙', badCheck(idNumber()), vx.vaccines.adeno.code, 'X2'],
    ]);
    const before = await gridStats();
    const hx = await upload(yonghong, book, `kind=history&regionId=${street()}&filename=built.xlsx`, XLSX_TYPE);
    assert.equal(hx.status, 200, hx.text);
    assert.deepEqual({ total: hx.body.total, imported: hx.body.imported, failed: hx.body.failed }, { total: 2, imported: 1, failed: 1 });
    assert.equal(hx.body.errors[0].row, 3);
    const adeno = String(vx.vaccines.adeno.id);
    const after = await gridStats();
    assert.equal(after.get('勤业新村社区').doses[adeno][0], before.get('勤业新村社区').doses[adeno][0] + 1);
    assert.equal(after.get('勤业新村社区').fullCourse, before.get('勤业新村社区').fullCourse + 1, 'a one-dose vaccine completes the course');
  });

  test('V11: empty, garbage or header-less files → 422; kind and slot are required', async () => {
    const slot = await freshSlot();
    const q = `kind=booking&regionId=${street()}&slotId=${slot.id}`;
    const bad = [
      ['empty', Buffer.alloc(0)],
      ['garbage', Buffer.from([0x00, 0xff, 0x13, 0x37, 0x00, 0x42])],
      ['broken xlsx', Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(64, 7)])],
      ['no header columns', Buffer.from('a,b,c\n1,2,3\n')],
    ];
    for (const [what, bytes] of bad) {
      const res = await upload(yonghong, bytes, q, 'application/octet-stream');
      expectProblem(assert, res, 422, undefined, what);
      assert.equal(res.body.errors[0]?.field, 'file', what);
    }
    assert.equal((await getSlot(yonghong, slot.id)).booked, 0);
    const noKind = await upload(yonghong, csv([BOOKING_COLS]), `regionId=${street()}&slotId=${slot.id}`);
    expectProblem(assert, noKind, 400);
    assert.equal(noKind.body.errors[0].field, 'kind');
    const noSlot = await upload(yonghong, csv([BOOKING_COLS, veroRow('无号源', idNumber(), '永红社区')]), `kind=booking&regionId=${street()}`);
    expectProblem(assert, noSlot, 400);
    assert.equal(noSlot.body.errors[0].field, 'slotId');
  });

  test('V11: imports stay inside the account’s scope', async () => {
    const bgSlot = (await admin.get(`${VAX}/slots?regionId=${vx.node('北港街道').id}&type=personal`)).body.items[0];
    const rows = csv([BOOKING_COLS, veroRow('越界', idNumber(), '北港社区')]);
    const res1 = await upload(yonghong, rows, `kind=booking&regionId=${vx.node('北港街道').id}&slotId=${bgSlot.id}`);
    assert.ok([403, 404].includes(res1.status), `${res1.status} ${res1.text}`);
    const res2 = await upload(yonghong, rows, `kind=booking&regionId=${street()}&slotId=${bgSlot.id}`);
    assert.ok([403, 404].includes(res2.status), `${res2.status} ${res2.text}`);
    const hist = await upload(yonghong, csv([HISTORY_COLS, veroRow('越界', idNumber(), '北港社区', '1', [cityDate(-5), 'X'])]), 'kind=history');
    assert.equal(hist.status, 200, hist.text);
    assert.equal(hist.body.imported, 0, 'a grid of another street is unknown here');
    assert.equal(hist.body.errors[0].field, '所属网格');
    assert.equal((await admin.get(`${VAX}/slots/${bgSlot.id}`)).body.booked, bgSlot.booked);
  });
});
