// SPEC X2 (users) and X3 (roles, permissions, menus).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createReadyUser, demoFixtures, errorFields, expectProblem, randomPhone, startServer, uniq } from './lib/harness.mjs';

let server;
let admin;
let yonghong;
let zhonglou;
let fx;

before(async () => {
  server = await startServer();
  [admin, yonghong, zhonglou] = await Promise.all(['admin', 'yonghong', 'zhonglou'].map((u) => server.login(u)));
  fx = await demoFixtures(admin);
});

after(async () => {
  await server?.stop();
});

const nodeId = (name) => fx.nodes.get(name).id;
const roleId = (code) => fx.roles.get(code).id;
const codeOf = () => uniq('r_');

async function createUser(client, extra = {}) {
  const body = { username: uniq('user-'), nickname: '测试用户', regionId: nodeId('永红街道'), roleIds: [roleId('grid_admin')], password: 'Init1234a', ...extra };
  const res = await client.post('/api/v1/iam/users', body);
  assert.equal(res.status, 201, res.text);
  return res.body;
}

async function createRole(client, permissions, extra = {}) {
  const res = await client.post('/api/v1/iam/roles', { name: uniq('角色'), code: codeOf(), permissions, ...extra });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

describe('users', () => {
  test('create with a role: list and detail show the phone masked, never in full', async () => {
    const phone = randomPhone('139');
    const username = uniq('phone-');
    const res = await admin.post('/api/v1/iam/users', {
      username,
      nickname: '张三',
      phone,
      email: 'zhang@example.cn',
      regionId: nodeId('永红街道'),
      roleIds: [roleId('street_admin')],
      password: 'Init1234a',
    });
    assert.equal(res.status, 201, res.text);
    const masked = `${phone.slice(0, 3)}****${phone.slice(7)}`;
    assert.equal(res.body.phone, masked);
    assert.equal(res.body.regionId, nodeId('永红街道'));
    assert.equal(res.body.regionName, '永红街道');
    assert.deepEqual(res.body.roles.map((r) => r.id), [roleId('street_admin')]);
    assert.equal(res.body.mustChangePassword, true);
    assert.equal(res.body.enabled, true);
    assert.ok(!res.text.includes(phone), 'create answer has no full phone');
    assert.ok(!('password' in res.body) && !('passwordHash' in res.body) && !res.text.includes('argon2'), 'no password or hash in the answer');
    assert.ok(!res.text.includes('Init1234a'));

    const list = await admin.get(`/api/v1/iam/users?keyword=${username}`);
    assert.equal(list.status, 200);
    assert.equal(list.body.total, 1);
    assert.equal(list.body.items[0].phone, masked);
    assert.ok(!list.text.includes(phone), 'list has no full phone');
    const full = await admin.get('/api/v1/iam/users?pageSize=200');
    assert.ok(!full.text.includes(phone));
    assert.ok(!/(?<!\d)1[3-9]\d{9}(?!\d)/.test(full.text), 'no 11-digit mobile number anywhere in the list');
    const one = await admin.get(`/api/v1/iam/users/${res.body.id}`);
    assert.equal(one.body.phone, masked);
    assert.ok(!one.text.includes(phone));
    // The street admin sees the new account; the grid admin of a different node does not.
    assert.equal((await yonghong.get(`/api/v1/iam/users/${res.body.id}`)).status, 200);
  });

  test('create: username taken → 409, phone taken → 409, bad phone/email → 422', async () => {
    const phone = randomPhone('136');
    const u = await createUser(admin, { phone });
    const dupName = await admin.post('/api/v1/iam/users', { username: u.username, regionId: nodeId('永红街道'), password: 'Init1234a' });
    expectProblem(assert, dupName, 409, 'username_taken');
    const dupPhone = await admin.post('/api/v1/iam/users', { username: uniq('x-'), phone, regionId: nodeId('永红街道'), password: 'Init1234a' });
    expectProblem(assert, dupPhone, 409, 'phone_taken');
    assert.deepEqual(errorFields(dupPhone), ['phone']);
    const bad = await admin.post('/api/v1/iam/users', { username: uniq('x-'), phone: '12345', email: 'nope', regionId: nodeId('永红街道'), password: 'Init1234a' });
    expectProblem(assert, bad, 422, 'validation_failed');
    assert.deepEqual(errorFields(bad).sort(), ['email', 'phone']);
    const weak = await admin.post('/api/v1/iam/users', { username: uniq('x-'), regionId: nodeId('永红街道'), password: 'password' });
    assert.deepEqual(errorFields(weak), ['password']);
    const space = await admin.post('/api/v1/iam/users', { username: 'a b', regionId: nodeId('永红街道'), password: 'Init1234a' });
    assert.deepEqual(errorFields(space), ['username']);
    const region = await admin.post('/api/v1/iam/users', { username: uniq('x-'), regionId: 99999999, password: 'Init1234a' });
    expectProblem(assert, region, 422);
    assert.deepEqual(errorFields(region), ['regionId']);
  });

  test('reveal: needs pii:phone:reveal, answers the full phone and writes an audit row', async () => {
    const phone = randomPhone('135');
    const u = await createUser(admin, { phone });
    expectProblem(assert, await yonghong.post(`/api/v1/iam/users/${u.id}/reveal`), 403, 'forbidden');
    const res = await admin.post(`/api/v1/iam/users/${u.id}/reveal`);
    assert.equal(res.status, 200);
    assert.equal(res.body.phone, phone);
    const audit = await admin.get(`/api/v1/audit/logs?entity=iam_user&entityId=${u.id}&action=reveal`);
    assert.equal(audit.body.total, 1);
    assert.equal(audit.body.items[0].actorName, 'admin');
    assert.ok(!audit.text.includes(phone), 'the audit row does not copy the phone');
    const none = await createUser(admin);
    const empty = await admin.post(`/api/v1/iam/users/${none.id}/reveal`);
    assert.equal(empty.status, 200);
    assert.equal(empty.body.phone, '');
  });

  test('update: nickname, email and phone; phone cleared with ""', async () => {
    const u = await createUser(admin, { phone: randomPhone('133') });
    const phone = randomPhone('133');
    const res = await admin.put(`/api/v1/iam/users/${u.id}`, { nickname: '新名字', email: 'new@example.cn', phone });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.nickname, '新名字');
    assert.equal(res.body.email, 'new@example.cn');
    assert.equal(res.body.phone, `${phone.slice(0, 3)}****${phone.slice(7)}`);
    assert.equal((await admin.post(`/api/v1/iam/users/${u.id}/reveal`)).body.phone, phone);
    const cleared = await admin.put(`/api/v1/iam/users/${u.id}`, { nickname: '新名字', email: 'new@example.cn', phone: '' });
    assert.equal(cleared.status, 200);
    assert.ok(!cleared.body.phone, 'phone cleared');
  });

  test('reset password forces a change at the next sign-in and ends current sessions', async () => {
    const { client, user } = await createReadyUser(server, admin, { regionId: nodeId('永红街道'), roleIds: [roleId('grid_admin')] });
    assert.equal((await client.get('/api/v1/iam/users')).status, 200);
    const res = await admin.post(`/api/v1/iam/users/${user.id}/reset-password`, { password: 'Reset1234x' });
    assert.equal(res.status, 204, res.text);
    expectProblem(assert, await client.get('/api/v1/auth/me'), 401, 'unauthenticated');
    const c = server.client();
    const login = await c.login(user.username, 'Reset1234x');
    assert.equal(login.status, 200);
    assert.equal(login.body.mustChangePassword, true);
    expectProblem(assert, await c.get('/api/v1/iam/users'), 403, 'password_change_required');
    assert.equal((await admin.get(`/api/v1/iam/users/${user.id}`)).body.mustChangePassword, true);
    const weak = await admin.post(`/api/v1/iam/users/${user.id}/reset-password`, { password: 'weak' });
    assert.deepEqual(errorFields(weak), ['password']);
  });

  test('disable an account: its sessions end and its sign-in answers 403 account_disabled', async () => {
    const { client, user, password } = await createReadyUser(server, admin, { regionId: nodeId('永红街道'), roleIds: [roleId('grid_admin')] });
    const off = await yonghong.post(`/api/v1/iam/users/${user.id}/status`, { enabled: false });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.body.enabled, false);
    expectProblem(assert, await client.get('/api/v1/auth/me'), 401, 'unauthenticated');
    expectProblem(assert, await server.client().login(user.username, password), 403, 'account_disabled');
    const listed = await admin.get(`/api/v1/iam/users?keyword=${user.username}&enabled=false`);
    assert.equal(listed.body.total, 1);
    assert.equal((await admin.get(`/api/v1/iam/users?keyword=${user.username}&enabled=true`)).body.total, 0);
    assert.equal((await yonghong.post(`/api/v1/iam/users/${user.id}/status`, { enabled: true })).status, 200);
    assert.equal((await server.client().login(user.username, password)).status, 200);
    expectProblem(assert, await admin.post(`/api/v1/iam/users/${fx.users.get('admin').id}/status`, { enabled: false }), 403, 'own_account');
  });

  test('grant roles: the account then holds exactly the permissions of its roles', async () => {
    const { client, user, password } = await createReadyUser(server, admin, { regionId: nodeId('永红街道'), roleIds: [roleId('grid_admin')] });
    const me1 = (await client.get('/api/v1/auth/me')).body;
    assert.deepEqual(me1.permissions.sort(), ['iam:user:list', 'region:node:list', 'vax:booking:list', 'vax:stat:grid', 'vax:stat:region']);
    const res = await yonghong.put(`/api/v1/iam/users/${user.id}/roles`, { roleIds: [roleId('street_admin')] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.roles.map((r) => r.id), [roleId('street_admin')]);
    const me2 = (await client.get('/api/v1/auth/me')).body;
    assert.deepEqual(me2.permissions.sort(), [...fx.roles.get('street_admin').permissions].sort());
    const none = await admin.put(`/api/v1/iam/users/${user.id}/roles`, { roleIds: [] });
    assert.equal(none.status, 200);
    assert.deepEqual(none.body.roles, []);
    const fresh = await server.client().login(user.username, password);
    assert.deepEqual(fresh.body.permissions, []);
    expectProblem(assert, await admin.put(`/api/v1/iam/users/${user.id}/roles`, { roleIds: [99999999] }), 422);
    expectProblem(assert, await yonghong.put(`/api/v1/iam/users/${fx.users.get('yonghong').id}/roles`, { roleIds: [roleId('street_admin')] }), 403, 'own_account');
  });

  test('granting the same role twice in one request is not a server conflict', async () => {
    const u = await createUser(admin);
    const res = await admin.put(`/api/v1/iam/users/${u.id}/roles`, { roleIds: [roleId('street_admin'), roleId('street_admin')] });
    assert.ok(res.status === 200 || res.status === 422, `duplicate role ids: 200 (deduplicated) or 422 naming roleIds, got ${res.status} ${res.text}`);
    if (res.status === 422) assert.deepEqual(errorFields(res), ['roleIds']);
    else assert.deepEqual(res.body.roles.map((r) => r.id), [roleId('street_admin')]);
    const create = await admin.post('/api/v1/iam/users', {
      username: uniq('dup-'),
      regionId: nodeId('永红街道'),
      roleIds: [roleId('grid_admin'), roleId('grid_admin')],
      password: 'Init1234a',
    });
    assert.ok(create.status === 201 || create.status === 422, `create with duplicate role ids: got ${create.status} ${create.text}`);
  });

  test('move an account to another region: scope follows it', async () => {
    const u = await createUser(admin);
    assert.equal((await yonghong.get(`/api/v1/iam/users/${u.id}`)).status, 200);
    const res = await admin.post(`/api/v1/iam/users/${u.id}/move`, { regionId: nodeId('北港街道') });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.regionId, nodeId('北港街道'));
    assert.equal(res.body.regionName, '北港街道');
    expectProblem(assert, await yonghong.get(`/api/v1/iam/users/${u.id}`), 404, 'not_found');
    const beigang = await server.login('beigang');
    assert.equal((await beigang.get(`/api/v1/iam/users/${u.id}`)).status, 200);
    // A street admin may move only within its street.
    const mine = await createUser(admin);
    const out = await yonghong.post(`/api/v1/iam/users/${mine.id}/move`, { regionId: nodeId('北港街道') });
    expectProblem(assert, out, 422);
    assert.deepEqual(errorFields(out), ['regionId']);
    const inside = await yonghong.post(`/api/v1/iam/users/${mine.id}/move`, { regionId: nodeId('广化社区') });
    assert.equal(inside.status, 200);
    assert.equal(inside.body.regionId, nodeId('广化社区'));
  });

  test('delete an account: gone from lists, its session ends, it cannot sign in', async () => {
    const { client, user, password } = await createReadyUser(server, admin, { regionId: nodeId('永红街道'), roleIds: [roleId('grid_admin')] });
    expectProblem(assert, await yonghong.del(`/api/v1/iam/users/${user.id}`), 403, 'forbidden');
    const res = await admin.del(`/api/v1/iam/users/${user.id}`);
    assert.equal(res.status, 204, res.text);
    expectProblem(assert, await admin.get(`/api/v1/iam/users/${user.id}`), 404, 'not_found');
    assert.equal((await admin.get(`/api/v1/iam/users?keyword=${user.username}`)).body.total, 0);
    expectProblem(assert, await client.get('/api/v1/auth/me'), 401, 'unauthenticated');
    expectProblem(assert, await server.client().login(user.username, password), 401, 'invalid_credentials');
    expectProblem(assert, await admin.del(`/api/v1/iam/users/${user.id}`), 404);
    expectProblem(assert, await admin.del(`/api/v1/iam/users/${fx.users.get('admin').id}`), 403, 'own_account');
  });

  test('user list: paging, keyword and region filter', async () => {
    const p1 = await admin.get('/api/v1/iam/users?page=1&pageSize=2');
    const p2 = await admin.get('/api/v1/iam/users?page=2&pageSize=2');
    assert.equal(p1.body.items.length, 2);
    assert.ok(p1.body.total >= 5);
    assert.equal(p2.body.total, p1.body.total);
    assert.ok(!p2.body.items.some((u) => p1.body.items.some((v) => v.id === u.id)));
    const kw = await admin.get('/api/v1/iam/users?keyword=beigang');
    assert.deepEqual(kw.body.items.map((u) => u.username), ['beigang']);
    const byRegion = await admin.get(`/api/v1/iam/users?regionId=${nodeId('天宁区')}`);
    assert.equal(byRegion.status, 200);
    assert.equal(byRegion.body.total, 0);
    const zl = await admin.get(`/api/v1/iam/users?regionId=${nodeId('钟楼区')}&pageSize=200`);
    assert.ok(zl.body.items.some((u) => u.username === 'beigang') && !zl.body.items.some((u) => u.username === 'admin'));
  });
});

describe('roles and grants', () => {
  test('a street admin cannot hand out a role holding permissions it lacks → 403 grant_exceeds_own', async () => {
    const create = await yonghong.post('/api/v1/iam/users', {
      username: uniq('esc-'),
      regionId: nodeId('永红街道'),
      roleIds: [roleId('district_admin')],
      password: 'Init1234a',
    });
    expectProblem(assert, create, 403, 'grant_exceeds_own');
    const target = fx.users.get('yonghong-grid');
    const grant = await yonghong.put(`/api/v1/iam/users/${target.id}/roles`, { roleIds: [roleId('district_admin')] });
    expectProblem(assert, grant, 403, 'grant_exceeds_own');
    const superAdmin = await yonghong.put(`/api/v1/iam/users/${target.id}/roles`, { roleIds: [roleId('super_admin')] });
    expectProblem(assert, superAdmin, 403, 'grant_exceeds_own');
    assert.deepEqual((await admin.get(`/api/v1/iam/users/${target.id}`)).body.roles.map((r) => r.id), [roleId('grid_admin')], 'unchanged');
    // Within its own permissions it may grant.
    const ok = await yonghong.post('/api/v1/iam/users', { username: uniq('ok-'), regionId: nodeId('永红街道'), roleIds: [roleId('street_admin')], password: 'Init1234a' });
    assert.equal(ok.status, 201, ok.text);
  });

  test('a street admin cannot take over an account holding more permissions than itself', async () => {
    // An account in 永红街道 holding the district-admin role: resetting its password would
    // hand yonghong every permission of that role, which a grant could not.
    const { user, password } = await createReadyUser(server, admin, { regionId: nodeId('永红街道'), roleIds: [roleId('district_admin')] });
    const reset = await yonghong.post(`/api/v1/iam/users/${user.id}/reset-password`, { password: 'Takeover123' });
    assert.equal(reset.status, 403, `reset-password of a more powerful account: ${reset.status} ${reset.text}`);
    assert.equal((await server.client().login(user.username, password)).status, 200, 'its password is unchanged');
  });

  test('a role cannot be created or granted with permissions its author lacks', async () => {
    expectProblem(assert, await yonghong.post('/api/v1/iam/roles', { name: uniq('角色'), code: codeOf(), permissions: ['iam:user:list'] }), 403, 'forbidden');
    const res = await zhonglou.post('/api/v1/iam/roles', { name: uniq('角色'), code: codeOf(), permissions: ['iam:user:list', 'notify:template:update'] });
    assert.ok([403, 422].includes(res.status), `${res.status} ${res.text}`);
    assert.deepEqual(errorFields(res), ['permissions']);
    const mine = await createRole(zhonglou, ['iam:user:list']);
    assert.equal(mine.regionId, nodeId('钟楼区'), 'a role belongs to its author’s region');
    const up = await zhonglou.put(`/api/v1/iam/roles/${mine.id}/permissions`, { permissions: ['notify:template:update'] });
    assert.ok([403, 422].includes(up.status), `${up.status} ${up.text}`);
    assert.deepEqual(errorFields(up), ['permissions']);
    assert.deepEqual((await admin.get(`/api/v1/iam/roles/${mine.id}`)).body.permissions, ['iam:user:list']);
    const roles = await admin.get(`/api/v1/iam/roles?keyword=${encodeURIComponent(mine.name)}`);
    assert.equal(roles.body.total, 1);
  });

  test('role permissions must be known codes', async () => {
    const res = await admin.post('/api/v1/iam/roles', { name: uniq('角色'), code: codeOf(), permissions: ['iam:user:fly'] });
    expectProblem(assert, res, 422, 'validation_failed');
    assert.deepEqual(errorFields(res), ['permissions']);
    const r = await createRole(admin, ['iam:user:list']);
    const up = await admin.put(`/api/v1/iam/roles/${r.id}/permissions`, { permissions: ['region:node:list', '*'] });
    expectProblem(assert, up, 422);
    assert.deepEqual((await admin.get(`/api/v1/iam/roles/${r.id}`)).body.permissions, ['iam:user:list']);
    const perms = await admin.get('/api/v1/iam/permissions');
    assert.equal(perms.status, 200);
    const codes = perms.body.items.flatMap((g) => g.children.flatMap((m) => [m.code, ...m.buttons.map((b) => b.code)]));
    const all = await createRole(admin, codes);
    assert.deepEqual([...all.permissions].sort(), [...codes].sort(), 'every catalogue code is accepted');
  });

  test('role CRUD: create, read, rename, disable (its permissions stop counting), enable', async () => {
    const r = await createRole(admin, ['iam:user:list', 'region:node:list'], { remark: '备注' });
    assert.equal(r.builtin, false);
    assert.equal(r.enabled, true);
    assert.deepEqual(r.permissions, ['iam:user:list', 'region:node:list']);
    const dupName = await admin.post('/api/v1/iam/roles', { name: r.name, code: codeOf() });
    expectProblem(assert, dupName, 409, 'role_taken');
    const dupCode = await admin.post('/api/v1/iam/roles', { name: uniq('角色'), code: r.code });
    expectProblem(assert, dupCode, 409, 'role_taken');
    const badCode = await admin.post('/api/v1/iam/roles', { name: uniq('角色'), code: 'Bad-Code' });
    assert.deepEqual(errorFields(badCode), ['code']);
    const renamed = await admin.put(`/api/v1/iam/roles/${r.id}`, { name: `${r.name}2`, remark: '新备注' });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, `${r.name}2`);
    assert.equal(renamed.body.code, r.code, 'code is fixed');
    const { client } = await createReadyUser(server, admin, { regionId: nodeId('永红街道'), roleIds: [r.id] });
    assert.equal((await client.get('/api/v1/iam/users')).status, 200);
    const off = await admin.post(`/api/v1/iam/roles/${r.id}/status`, { enabled: false });
    assert.equal(off.status, 200);
    assert.equal(off.body.enabled, false);
    expectProblem(assert, await client.get('/api/v1/iam/users'), 403, 'forbidden');
    assert.deepEqual((await client.get('/api/v1/auth/me')).body.permissions, []);
    await admin.post(`/api/v1/iam/roles/${r.id}/status`, { enabled: true });
    assert.equal((await client.get('/api/v1/iam/users')).status, 200);
  });

  test('built-in super admin role cannot be changed or deleted', async () => {
    const id = roleId('super_admin');
    expectProblem(assert, await admin.put(`/api/v1/iam/roles/${id}`, { name: '改' }), 403, 'builtin_role');
    expectProblem(assert, await admin.put(`/api/v1/iam/roles/${id}/permissions`, { permissions: [] }), 403, 'builtin_role');
    expectProblem(assert, await admin.post(`/api/v1/iam/roles/${id}/status`, { enabled: false }), 403, 'builtin_role');
    expectProblem(assert, await admin.del(`/api/v1/iam/roles/${id}`), 403, 'builtin_role');
    const r = (await admin.get(`/api/v1/iam/roles/${id}`)).body;
    assert.equal(r.enabled, true);
    assert.ok(r.permissions.length >= 20);
  });

  test('deleting a role in use → 409 role_in_use; once unused it can be deleted', async () => {
    const r = await createRole(admin, ['iam:user:list']);
    const u = await createUser(admin, { roleIds: [r.id] });
    expectProblem(assert, await admin.del(`/api/v1/iam/roles/${r.id}`), 409, 'role_in_use');
    assert.equal((await admin.get(`/api/v1/iam/roles/${r.id}`)).status, 200);
    assert.equal((await admin.put(`/api/v1/iam/users/${u.id}/roles`, { roleIds: [] })).status, 200);
    assert.equal((await admin.del(`/api/v1/iam/roles/${r.id}`)).status, 204);
    expectProblem(assert, await admin.get(`/api/v1/iam/roles/${r.id}`), 404);
  });

  test('a street admin lists the roles of its ancestors as not editable', async () => {
    const list = await yonghong.get('/api/v1/iam/roles?pageSize=200');
    assert.equal(list.status, 200);
    const street = list.body.items.find((r) => r.code === 'street_admin');
    assert.ok(street, 'sees the city-owned street_admin role it holds');
    assert.equal(street.editable, false);
    assert.ok(list.body.items.every((r) => r.editable === false));
  });
});

describe('menus', () => {
  test('a grid admin sees only the users, regions, booking-records and statistics menus', async () => {
    const grid = await server.login('yonghong-grid');
    const menus = grid.me.menus;
    assert.deepEqual(menus.map((m) => m.key), ['home', 'system', 'region', 'vaccination', 'statistics']);
    assert.deepEqual(menus.find((m) => m.key === 'system').children.map((c) => c.key), ['users']);
    assert.deepEqual(menus.find((m) => m.key === 'region').children.map((c) => c.key), ['regions']);
    assert.deepEqual(menus.find((m) => m.key === 'vaccination').children.map((c) => c.key), ['vax-bookings'], 'records only: no sites, slots, links or staff');
    assert.deepEqual(menus.find((m) => m.key === 'statistics').children.map((c) => c.key), ['vax-stats-regions', 'vax-stats-grids']);
    expectProblem(assert, await grid.get('/api/v1/iam/roles'), 403, 'forbidden');
    expectProblem(assert, await grid.get('/api/v1/audit/logs'), 403, 'forbidden');
  });

  test('when a role loses iam:user:list its menu goes and the users list answers 403', async () => {
    const r = await createRole(admin, ['iam:user:list', 'region:node:list']);
    const { client } = await createReadyUser(server, admin, { regionId: nodeId('永红街道'), roleIds: [r.id] });
    const before = (await client.get('/api/v1/auth/me')).body.menus;
    assert.ok(before.find((m) => m.key === 'system')?.children.some((c) => c.key === 'users'));
    assert.equal((await client.get('/api/v1/iam/users')).status, 200);
    const up = await admin.put(`/api/v1/iam/roles/${r.id}/permissions`, { permissions: ['region:node:list'] });
    assert.equal(up.status, 200, up.text);
    const afterMenus = (await client.get('/api/v1/auth/me')).body.menus;
    assert.deepEqual(afterMenus.map((m) => m.key), ['home', 'region']);
    expectProblem(assert, await client.get('/api/v1/iam/users'), 403, 'forbidden');
    expectProblem(assert, await client.get(`/api/v1/iam/users/${fx.users.get('yonghong').id}`), 403, 'forbidden');
    assert.equal((await client.get('/api/v1/region/tree')).status, 200);
  });
});
