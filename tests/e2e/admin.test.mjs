// Browser test of the admin console in headless Chromium (issue #2, SPEC X1-X4):
// admin adds a street and a grid, creates an account limited to that street, and the new
// account, after its forced password change, sees only that street and only its buttons.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { DEMO_PASSWORD, REPO_ROOT, startServer, uniq } from '../api/lib/harness.mjs';

const ARTIFACTS = path.join(REPO_ROOT, 'tests/artifacts/e2e');
let server, browser;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer({ webDir: path.join(REPO_ROOT, 'web/dist') });
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

async function signIn(page, username, password) {
  await page.goto(`${server.url}/admin/login`);
  await page.fill('[data-test=login-username] input, input[data-test=login-username]', username);
  await page.fill('[data-test=login-password] input, input[data-test=login-password]', password);
  await page.fill('[data-test=login-captcha] input, input[data-test=login-captcha]', 'test');
  await page.click('[data-test=login-submit]');
}

async function input(page, dataTest, value) {
  const box = page.locator(`[data-test=${dataTest}]`).last();
  const inner = box.locator('input, textarea');
  await ((await inner.count()) ? inner.first() : box).fill(String(value));
}

async function treeNode(page, name) {
  const node = page.locator('[data-test=region-tree] .el-tree-node__content', { hasText: name }).first();
  await node.waitFor();
  return node;
}

async function submitDialog(page, responsePath) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes(responsePath) && r.request().method() !== 'GET'),
    page.locator('[data-test=dlg-submit]').last().click(),
  ]);
  assert.ok(res.status() < 300, `${responsePath} answered ${res.status()}: ${await res.text()}`);
  return res.json().catch(() => null);
}

test('admin builds a street, delegates it, and the delegate sees only that street', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const street = uniq('测试街道');
  const grid = uniq('测试社区');
  const username = uniq('e2e-');

  // 1. The city admin signs in and adds a street under 钟楼区, then a grid under the street.
  await signIn(page, 'admin', DEMO_PASSWORD);
  await page.waitForURL(/\/admin\/home/);
  await shot(page, '01-home');
  await page.goto(`${server.url}/admin/region/nodes`);
  await (await treeNode(page, '钟楼区')).click();
  await page.click('[data-test=btn-add]');
  await input(page, 'f-name', street);
  await input(page, 'f-population', 23456);
  const streetNode = await submitDialog(page, '/api/v1/region/nodes');
  assert.equal(streetNode.level, 3);
  assert.ok(streetNode.linkToken?.length >= 20, 'a street gets a booking-link token');

  await (await treeNode(page, street)).click();
  await page.click('[data-test=btn-add]');
  await input(page, 'f-name', grid);
  await input(page, 'f-population', 3456);
  await page.click('[data-test=f-kind-community]');
  const gridNode = await submitDialog(page, '/api/v1/region/nodes');
  assert.equal(gridNode.level, 4);
  await page.locator('[data-test=table]').getByText(grid).waitFor();
  await shot(page, '02-region-street-and-grid');

  // 2. A role that may only look (region list + account list), created by the admin.
  const admin = await server.login('admin');
  const role = await admin.post('/api/v1/iam/roles', {
    name: uniq('查看员'), code: uniq('viewer_').replace(/-/g, '_'), permissions: ['region:node:list', 'iam:user:list'],
  });
  assert.equal(role.status, 201, role.text);

  // 3. The admin creates an account on the new street with that role, through the UI.
  await page.goto(`${server.url}/admin/system/users`);
  await (await treeNode(page, street)).click();
  await page.click('[data-test=btn-add]');
  await input(page, 'f-username', username);
  await input(page, 'f-nickname', '街道查看员');
  await input(page, 'f-password', 'Initial2026');
  await page.locator('[data-test=f-roleIds]').last().click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: role.body.name }).click();
  await page.keyboard.press('Escape');
  const created = await submitDialog(page, '/api/v1/iam/users');
  assert.equal(created.regionId, streetNode.id);
  assert.deepEqual(created.roles.map((r) => r.id), [role.body.id]);
  await page.locator('[data-test=table]').getByText(username).waitFor();
  await shot(page, '03-users-new-account');

  // 4. The new account signs in: first the forced password change.
  await page.context().clearCookies();
  await signIn(page, username, 'Initial2026');
  await page.waitForURL(/change-password/);
  await input(page, 'cp-old', 'Initial2026');
  await input(page, 'cp-new', 'Changed2026');
  await input(page, 'cp-repeat', 'Changed2026');
  await shot(page, '04-forced-password-change');
  await page.click('[data-test=cp-submit]');
  await page.waitForURL(/\/admin\/(home|login)/);
  if (page.url().includes('/login')) await signIn(page, username, 'Changed2026');
  await page.waitForURL(/\/admin\/home/);

  // 5. It sees only its street's subtree...
  await page.goto(`${server.url}/admin/region/nodes`);
  const tree = page.locator('[data-test=region-tree]');
  await tree.getByText(street).first().waitFor();
  await (await treeNode(page, street)).click();
  await page.locator('[data-test=table]').getByText(grid).waitFor();
  const treeText = await tree.innerText();
  for (const other of ['钟楼区', '天宁区', '永红街道', '北港街道', '演示市']) {
    assert.ok(!treeText.includes(other), `the tree must not show ${other}`);
  }
  // ...and only the buttons its role grants: no add, edit, move or status switches.
  for (const btn of ['btn-add', 'btn-edit', 'btn-move', 'row-edit', 'row-move']) {
    assert.equal(await page.locator(`[data-test=${btn}]`).count(), 0, `${btn} must be hidden`);
  }
  await shot(page, '05-delegate-region');

  await page.goto(`${server.url}/admin/system/users`);
  await page.locator('[data-test=table]').getByText(username).waitFor();
  for (const btn of ['btn-add', 'btn-delete', 'btn-reset-password', 'btn-grant', 'btn-move']) {
    assert.equal(await page.locator(`[data-test=${btn}]`).count(), 0, `${btn} must be hidden`);
  }
  const menu = await page.locator('[data-test=sidebar]').innerText();
  assert.ok(menu.includes('地区管理') && menu.includes('用户管理'));
  for (const hidden of ['角色管理', '操作日志', '登录日志', '短信通知']) {
    assert.ok(!menu.includes(hidden), `menu ${hidden} must be hidden`);
  }
  await shot(page, '06-delegate-users');

  // The server, not only the UI, refuses what the role lacks.
  const me = await server.login(username, 'Changed2026');
  assert.equal((await me.post('/api/v1/region/nodes', { parentId: streetNode.id, name: 'x', kind: 'community' })).status, 403);
  await page.close();
});

test('the login page renders in Chinese and switches to English, at phone width too', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(`${server.url}/admin/login`);
  await page.locator('[data-test=login-submit]').waitFor();
  assert.match(await page.locator('[data-test=login-submit]').innerText(), /登\s*录/);
  await shot(page, '07-login-phone-zh');
  await page.getByText('English', { exact: true }).click();
  await page.waitForFunction(() => /log\s*in|sign\s*in/i.test(document.querySelector('[data-test=login-submit]')?.textContent || ''));
  await shot(page, '08-login-phone-en');
  await page.close();
});
