// Browser tests of vaccination (issue #3, SPEC V2–V15) in headless Chromium:
// (a) street admin publishes a site and a slot → a citizen books on a phone-sized page through
//     the street link → SMS in the outbox → site staff find it by short code, check in and mark
//     it vaccinated → statistics count the dose;
// (b) the group link books a group slot, the street link cannot;
// (c) a foreigner books in English with a passport;
// (d) an import with good and bad rows reports the bad ones by number.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { DEMO_PASSWORD, REPO_ROOT, randomPhone, startServer, uniq } from '../api/lib/harness.mjs';

const ARTIFACTS = path.join(REPO_ROOT, 'tests/artifacts/e2e');
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
let server, browser, admin;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer({ webDir: path.join(REPO_ROOT, 'web/dist') });
  admin = await server.login('admin');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Runs a test body; on failure every open page is photographed before the error goes on. */
async function photographed(name, fn) {
  try {
    await fn();
  } catch (e) {
    let i = 0;
    for (const ctx of browser.contexts())
      for (const p of ctx.pages()) await shot(p, `FAILED-${name}-${++i}`).catch(() => {});
    throw e;
  }
}

/** Now in the city's zone (UTC+8): { day: 'YYYY-MM-DD', hour }. */
function localNow() {
  const iso = new Date(Date.now() + 8 * 3600e3).toISOString();
  return { day: iso.slice(0, 10), hour: Number(iso.slice(11, 13)) };
}

/** A resident ID number with a valid GB 11643 check digit, born in 1990, unique per call. */
let seq = 0;
function idNumber() {
  const body = `320404199005${String(10 + (seq % 18)).padStart(2, '0')}${String(100 + (++seq % 900))}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

async function signIn(page, username) {
  await page.goto(`${server.url}/admin/login`);
  await page.fill('[data-test=login-username] input, input[data-test=login-username]', username);
  await page.fill('[data-test=login-password] input, input[data-test=login-password]', DEMO_PASSWORD);
  await page.fill('[data-test=login-captcha] input, input[data-test=login-captcha]', 'test');
  await page.click('[data-test=login-submit]');
  await page.waitForURL(/\/admin\/home/);
}

async function fill(page, testid, value) {
  const box = page.locator(`[data-testid=${testid}]`).last();
  const inner = box.locator('input, textarea');
  await ((await inner.count()) ? inner.first() : box).fill(String(value));
}

async function saveDialog(page, testid, apiPath) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes(apiPath) && r.request().method() !== 'GET'),
    page.locator(`[data-testid=${testid}]`).last().click(),
  ]);
  assert.ok(res.status() < 300, `${apiPath} answered ${res.status()}: ${await res.text()}`);
  return res.json();
}

async function streetToken(name) {
  const links = (await admin.get('/api/v1/vaccination/links')).body.items;
  return links.find((l) => l.name === name);
}

/** The citizen's booking flow on the phone page up to the success page; returns the code. */
async function bookOnPhone(page, { url, id, name, phone, slotId, gridName, shotPrefix, birth, nationality }) {
  await page.goto(url);
  await page.locator('[data-testid=book-notice-accept]').click();
  if (shotPrefix) await shot(page, `${shotPrefix}-1-link`);
  await page.locator('[data-testid=book-id-input]').fill(id);
  if (birth) await page.locator('[data-testid=book-birth]').fill(birth);
  await page.locator('[data-testid=book-check]').click();
  await page.locator('[data-testid=book-name]').fill(name);
  await page.locator('[data-testid=book-phone]').fill(phone);
  if (nationality) await page.locator('[data-testid=book-nationality]').fill(nationality);
  await page.locator('[data-testid=book-grid]').click();
  if (gridName) {
    const col = page.locator('.van-picker-column').last();
    await col.locator('.van-picker-column__item', { hasText: gridName }).first().click();
  }
  await page.locator('.van-picker__confirm').click();
  await page.locator(`[data-testid=book-slot-${slotId}]`).click();
  await page.locator('[data-testid=book-dose-1]').click();
  if (shotPrefix) await shot(page, `${shotPrefix}-2-form`);
  await page.locator('[data-testid=book-submit]').click();
  const code = (await page.locator('[data-testid=book-success-code]').innerText()).replace(/\D/g, '');
  if (shotPrefix) await shot(page, `${shotPrefix}-3-success`);
  assert.match(code, /^\d{18}$/);
  return code;
}

test('(a) street admin publishes a slot, a citizen books on the phone, the site vaccinates, statistics count it', async () => photographed('a', async () => {
  // Today's window from an hour ago to 23:59, so the site can admit the booking at once.
  const { day, hour } = localNow();
  const from = `${String(Math.max(0, hour - 1)).padStart(2, '0')}:00`;
  const siteName = uniq('e2e接种点');
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();

  // 1. 永红街道's admin adds a site and publishes a personal slot on it.
  await signIn(page, 'yonghong');
  await page.goto(`${server.url}/admin/vaccination/sites`);
  await page.locator('[data-testid=site-add]').click();
  await fill(page, 'site-form-name', siteName);
  await fill(page, 'site-form-address', '永红路8号');
  const site = await saveDialog(page, 'site-form-save', '/api/v1/vaccination/sites');
  assert.equal(site.streetName, '永红街道');

  await page.goto(`${server.url}/admin/vaccination/slots`);
  await page.locator('[data-testid=slot-add]').click();
  await page.locator('[data-testid=slot-form-type-personal]').click();
  await page.locator('[data-testid=slot-form-vaccine-1]').click();
  const date = page.locator('[data-testid=slot-form-date] input');
  await date.fill(day);
  await date.press('Enter');
  for (const [id, v] of [['slot-form-start', from], ['slot-form-end', '23:59']]) {
    const inp = page.locator(`[data-testid=${id}] input`);
    await inp.click();
    await inp.fill(v);
    await inp.press('Enter');
  }
  await page.locator('[data-testid=slot-form-site]').click();
  await page.locator('.el-select-dropdown__item', { hasText: siteName }).last().click();
  await fill(page, 'slot-form-quota', 5);
  await fill(page, 'slot-form-remark', '请带好身份证件和口罩');
  await shot(page, 'vax-a-1-slot-form');
  const slot = await saveDialog(page, 'slot-form-save', '/api/v1/vaccination/slots');
  assert.equal(slot.quota, 5);
  assert.equal(slot.date, day);
  await shot(page, 'vax-a-2-slots');

  // 2. A citizen opens the street link on a phone and books that slot.
  const link = await streetToken('永红街道');
  const phoneCtx = await browser.newContext(PHONE);
  const phone = await phoneCtx.newPage();
  const id = idNumber();
  const mobile = randomPhone('137');
  const code = await bookOnPhone(phone, {
    url: `${server.url}/m/book/${link.token}`, id, name: '陈静', phone: mobile, slotId: slot.id,
    gridName: '广化社区', shotPrefix: 'vax-a-3-phone',
  });

  // 3. The confirmation SMS is in the outbox, phone masked.
  const sms = (await admin.get('/api/v1/notify/sms?pageSize=50')).body.items;
  const mine = sms.find((m) => m.content.includes(code));
  assert.ok(mine, 'a confirmation SMS names the booking code');
  assert.equal(mine.phoneMasked ?? mine.phone, `${mobile.slice(0, 3)}****${mobile.slice(7)}`);

  // 4. The street issues a pass code; the site staff sign in on a phone and find the booking by
  //    the last 4 ID digits, check it in and mark it vaccinated.
  await page.goto(`${server.url}/admin/vaccination/staff`);
  await page.locator('[data-testid=staff-add]').click();
  await page.locator('[data-testid=staff-form-site]').click();
  await page.locator('.el-select-dropdown__item', { hasText: siteName }).last().click();
  await fill(page, 'staff-form-name', '李护士');
  const staff = await saveDialog(page, 'staff-form-save', '/api/v1/vaccination/staff');
  await page.locator('[data-testid=staff-passcode]').waitFor();
  assert.match(await page.locator('[data-testid=staff-passcode]').innerText(), new RegExp(staff.passcode));

  const desk = await phoneCtx.newPage();
  await desk.goto(`${server.url}/m/site/login`);
  await desk.locator('[data-testid=site-name]').fill('李护士');
  await desk.locator('[data-testid=site-passcode]').fill(staff.passcode);
  await desk.locator('[data-testid=site-login]').click();
  await desk.locator('[data-testid=site-short-input]').fill(id.slice(-4));
  await desk.locator('[data-testid=site-short-search]').click();
  const booking = (await admin.get(`/api/v1/vaccination/bookings?keyword=${id}`)).body.items[0];
  assert.equal(booking.code, code);
  const card = desk.locator(`[data-testid=site-card-${booking.id}]`);
  await card.waitFor();
  await shot(desk, 'vax-a-4-site-found');
  assert.equal(await card.getAttribute('data-admissible'), '1', 'inside its window: admissible');
  await card.locator('[data-testid=site-checkin]').click();
  await card.locator('[data-testid=site-vaccinate]').click();
  await desk.locator('[data-testid=site-lot]').fill('202611A01');
  await desk.locator('[data-testid=site-vaccinator]').fill('王医生');
  await desk.locator('[data-testid=site-vaccinate-confirm]').click();
  await shot(desk, 'vax-a-5-site-vaccinated');
  let after;
  for (let i = 0; i < 50; i++) {
    after = (await admin.get(`/api/v1/vaccination/bookings/${booking.id}`)).body;
    if (after.vaccinated) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(after.checkedIn && after.vaccinated, 'checked in and vaccinated');
  assert.equal(after.lotNo, '202611A01');

  // 5. 网格统计 counts the first dose of vero in 广化社区.
  await page.goto(`${server.url}/admin/vaccination/stats/grids`);
  await page.locator('[data-testid=stats-table]').waitFor();
  await shot(page, 'vax-a-6-grid-stats');
  const stats = (await admin.get(`/api/v1/vaccination/stats/grids?regionId=${link.regionId}`)).body;
  const row = stats.rows.find((r) => r.name === '广化社区');
  assert.ok(row.doses['1'][0] >= 1, 'the dose is counted');
  await ctx.close();
  await phoneCtx.close();
}));

test('(b) only the group link books a group slot', async () => photographed('b', async () => {
  const link = await streetToken('永红街道');
  assert.ok(link.groupToken, 'the demo street has a group link');
  const slots = (await admin.get(`/api/v1/vaccination/slots?type=group&regionId=${link.regionId}`)).body.items;
  const slot = slots.find((s) => s.online);
  assert.ok(slot, 'an open group slot');
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();

  // The street link does not offer it.
  await page.goto(`${server.url}/m/book/${link.token}`);
  await page.locator('[data-testid=book-notice-accept]').click();
  await page.locator('[data-testid=book-id-input]').fill(idNumber());
  await page.locator('[data-testid=book-check]').click();
  await page.locator('[data-testid=book-name]').waitFor();
  assert.equal(await page.locator(`[data-testid=book-slot-${slot.id}]`).count(), 0);
  await shot(page, 'vax-b-1-street-link');
  // …and the server refuses it through the street link even when asked directly.
  const page0 = await (await fetch(`${server.url}/api/v1/public/vaccination/links/${link.token}`)).json();
  const refused = await fetch(`${server.url}/api/v1/public/vaccination/bookings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: link.token, slotId: slot.id, doseNo: 1, gridId: page0.grids[0].id,
      name: '周强', idType: 'id_card', idNumber: idNumber(), phone: randomPhone(), consent: true }),
  });
  assert.equal(refused.status, 409);
  assert.equal((await refused.json()).code, 'slot_closed');

  // The group link books it.
  const code = await bookOnPhone(page, {
    url: `${server.url}/m/book/${link.groupToken}`, id: idNumber(), name: '周强', phone: randomPhone('136'),
    slotId: slot.id, shotPrefix: 'vax-b-2-group',
  });
  const found = (await admin.get(`/api/v1/vaccination/bookings?keyword=${code}`)).body.items;
  assert.equal(found.length, 1);
  assert.equal(found[0].type, 'group');
  await ctx.close();
}));

test('(c) a foreigner books in English with a passport', async () => photographed('c', async () => {
  const link = await streetToken('永红街道');
  const slots = (await admin.get(`/api/v1/vaccination/slots?type=foreign&regionId=${link.regionId}`)).body.items;
  const slot = slots.find((s) => s.online);
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  const passport = `E${String(Date.now()).slice(-8)}`;
  await page.goto(`${server.url}/m/book/${link.token}?foreign=1`);
  await page.locator('[data-testid=book-notice-accept]').waitFor();
  assert.match(await page.locator('body').innerText(), /Vaccination|Booking|booking/);
  const code = await bookOnPhone(page, {
    url: `${server.url}/m/book/${link.token}?foreign=1`, id: passport, birth: '1988-06-15', name: 'John Smith', nationality: 'United Kingdom',
    phone: randomPhone('135'), slotId: slot.id, shotPrefix: 'vax-c-foreign',
  });
  const text = await page.locator('body').innerText();
  assert.match(text, /Booked|booked|success/i, 'the success page speaks English');
  const b = (await admin.get(`/api/v1/vaccination/bookings?keyword=${passport}`)).body.items[0];
  assert.equal(b.code, code);
  assert.equal(b.idType, 'passport');
  assert.equal(b.type, 'foreign');
  await ctx.close();
}));

test('(d) an import with good and bad rows reports the bad ones by number', async () => photographed('d', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  await signIn(page, 'yonghong');
  await page.goto(`${server.url}/admin/vaccination/import`);
  await page.locator('[data-testid=import-kind-history]').click();
  const good1 = idNumber();
  const good2 = idNumber();
  const csv = [
    '姓名,证件类型,身份证号,手机,疫苗编号,疫苗名称,针数,所属网格,接种日期,批号',
    `赵一,身份证,${good1},13900000001,1379696357380038657,,1,永红社区,2026-10-01,L1`,
    '钱二,身份证,320404199001011230,13900000002,1379696357380038657,,1,永红社区,2026-10-01,L1',
    `孙三,身份证,${good2},,1379696357380038657,,1,没有这个社区,2026-10-01,L1`,
    `李四,身份证,${good2},,1379696357380038657,,1,勤业新村社区,2026-10-02,L2`,
    `赵一,身份证,${good1},13900000001,1379696357380038657,,1,永红社区,2026-10-01,L1`,
  ].join('\r\n');
  const file = path.join(ARTIFACTS, 'import-history.csv');
  fs.writeFileSync(file, `\ufeff${csv}\r\n`);
  await page.locator('[data-testid=import-upload] input[type=file]').setInputFiles(file);
  await page.locator('[data-testid=import-errors]').waitFor();
  const resultText = (await page.locator('[data-testid=import-result]').innerText()).replace(/\s+/g, ' ');
  assert.match(resultText, /导入 2 .*跳过重复 1 .*失败 2/);
  // The two good rows are in; the bad ones are not.
  assert.equal((await admin.get(`/api/v1/vaccination/bookings?keyword=${good1}`)).body.items.length, 1);
  const second = (await admin.get(`/api/v1/vaccination/bookings?keyword=${good2}`)).body.items;
  assert.deepEqual(second.map((b) => b.gridName), ['勤业新村社区']);
  const errorsText = await page.locator('[data-testid=import-errors]').innerText();
  // Rows are numbered as in the file (the header is row 1): the bad ID is row 3, the unknown
  // grid row 4, the duplicate row 6.
  for (const n of ['3', '4', '6']) assert.match(errorsText, new RegExp(`(^|\\D)${n}(\\D|$)`), `row ${n} is reported`);
  assert.match(errorsText, /网格/);
  await shot(page, 'vax-d-import');
  await ctx.close();
}));
