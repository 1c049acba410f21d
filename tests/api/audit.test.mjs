// SPEC X5: every change writes one audit row (who, from where, what, before/after), rows are
// scoped to the reader's subtree, and refused requests leave no trace and change nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { cityDate, createReadyUser, demoFixtures, expectProblem, randomPhone, startServer, uniq } from './lib/harness.mjs';

let server;
let admin;
let yonghong;
let beigang;
let fx;

before(async () => {
  server = await startServer();
  [admin, yonghong, beigang] = await Promise.all(['admin', 'yonghong', 'beigang'].map((u) => server.login(u)));
  fx = await demoFixtures(admin);
});

after(async () => {
  await server?.stop();
});

const nodeId = (name) => fx.nodes.get(name).id;
const roleId = (code) => fx.roles.get(code).id;

async function rows(client, query) {
  const res = await client.get(`/api/v1/audit/logs?pageSize=200&${query}`);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

async function ok(res, status = 200) {
  assert.equal(res.status, status, res.text);
  return res.body;
}

/** Asserts exactly one row for (entity, id, action) and returns it. */
async function oneRow(entity, entityId, action, actor = 'admin') {
  const body = await rows(admin, `entity=${entity}&entityId=${entityId}&action=${action}`);
  assert.equal(body.total, 1, `one ${action} row for ${entity} ${entityId}: ${JSON.stringify(body.items)}`);
  const r = body.items[0];
  assert.equal(r.entity, entity);
  assert.equal(r.entityId, entityId);
  assert.equal(r.action, action);
  assert.equal(r.actorName, actor);
  assert.equal(typeof r.actorId, 'number');
  assert.match(r.ip, /^(::ffff:)?127\.0\.0\.1$/);
  assert.ok(Math.abs(r.createdAt - Date.now()) < 120000, 'createdAt is now');
  assert.ok(typeof r.summary === 'string' && r.summary.length > 0);
  return r;
}

test('rows are filtered per record: entity + entityId give exactly that record’s history', async () => {
  const u = await ok(await admin.post('/api/v1/iam/users', { username: uniq('hist-'), regionId: nodeId('雕庄街道'), password: 'Init1234a' }), 201);
  await ok(await admin.put(`/api/v1/iam/users/${u.id}`, { nickname: 'a' }));
  await ok(await admin.put(`/api/v1/iam/users/${u.id}`, { nickname: 'b' }));
  await ok(await admin.post(`/api/v1/iam/users/${u.id}/status`, { enabled: false }));
  const h = await rows(admin, `entity=iam_user&entityId=${u.id}`);
  assert.deepEqual(h.items.map((x) => x.action), ['status', 'update', 'update', 'create'], 'newest first');
  assert.ok(h.items.every((x) => x.entity === 'iam_user' && x.entityId === u.id));
  assert.equal(h.total, 4);
  const page = await admin.get(`/api/v1/audit/logs?entity=iam_user&entityId=${u.id}&pageSize=2&page=2`);
  assert.deepEqual(page.body.items.map((x) => x.action), ['update', 'create']);
  const byActor = await rows(admin, `actor=admin&entity=iam_user&entityId=${u.id}&action=update`);
  assert.equal(byActor.total, 2);
  assert.equal((await rows(admin, `actor=yonghong&entity=iam_user&entityId=${u.id}`)).total, 0);
  assert.equal((await rows(admin, `entity=iam_user&entityId=${u.id}&from=${cityDate(0)}&to=${cityDate(0)}`)).total, 4);
  assert.equal((await rows(admin, `entity=iam_user&entityId=${u.id}&to=${cityDate(-1)}`)).total, 0);
  assert.equal((await rows(admin, `entity=iam_user&entityId=${u.id}&from=${cityDate(1)}`)).total, 0);
});

test('every kind of change writes one audit row with actor, ip, action, entity, entityId, before/after', async () => {
  const adminId = fx.users.get('admin').id;
  const street = nodeId('雕庄街道');

  // region_node
  const node = await ok(await admin.post('/api/v1/region/nodes', { parentId: street, name: uniq('审计网格'), kind: 'community', population: 10 }), 201);
  let r = await oneRow('region_node', node.id, 'create');
  assert.equal(r.actorId, adminId);
  assert.equal(r.before, null);
  assert.equal(r.after.name, node.name);
  assert.equal(r.after.population, 10);
  await ok(await admin.put(`/api/v1/region/nodes/${node.id}`, { name: node.name, kind: 'community', population: 20 }));
  r = await oneRow('region_node', node.id, 'update');
  assert.equal(r.before.population, 10);
  assert.equal(r.after.population, 20);
  await ok(await admin.post(`/api/v1/region/nodes/${node.id}/status`, { enabled: false }));
  r = await oneRow('region_node', node.id, 'status');
  assert.equal(r.before.enabled, true);
  assert.equal(r.after.enabled, false);
  await ok(await admin.post(`/api/v1/region/nodes/${node.id}/move`, { parentId: nodeId('青龙街道') }));
  r = await oneRow('region_node', node.id, 'move');
  assert.equal(r.before.parentId, street);
  assert.equal(r.after.parentId, nodeId('青龙街道'));

  // iam_user
  const phone = randomPhone('134');
  const user = await ok(await admin.post('/api/v1/iam/users', { username: uniq('aud-'), phone, regionId: street, roleIds: [roleId('grid_admin')], password: 'Init1234a' }), 201);
  r = await oneRow('iam_user', user.id, 'create');
  assert.equal(r.before, null);
  assert.equal(r.after.username, user.username);
  assert.equal(r.after.phone, `${phone.slice(0, 3)}****${phone.slice(7)}`);
  await ok(await admin.put(`/api/v1/iam/users/${user.id}`, { nickname: '新昵称', phone }));
  r = await oneRow('iam_user', user.id, 'update');
  assert.equal(r.before.nickname, '');
  assert.equal(r.after.nickname, '新昵称');
  await ok(await admin.post(`/api/v1/iam/users/${user.id}/status`, { enabled: false }));
  r = await oneRow('iam_user', user.id, 'status');
  assert.equal(r.before.enabled, true);
  assert.equal(r.after.enabled, false);
  await ok(await admin.post(`/api/v1/iam/users/${user.id}/reset-password`, { password: 'Reset1234x' }), 204);
  r = await oneRow('iam_user', user.id, 'reset_password');
  assert.ok(!JSON.stringify(r).includes('Reset1234x'), 'no password in the audit row');
  await ok(await admin.put(`/api/v1/iam/users/${user.id}/roles`, { roleIds: [roleId('street_admin')] }));
  r = await oneRow('iam_user', user.id, 'grant');
  assert.deepEqual(r.before.roles.map((x) => x.id), [roleId('grid_admin')]);
  assert.deepEqual(r.after.roles.map((x) => x.id), [roleId('street_admin')]);
  await ok(await admin.post(`/api/v1/iam/users/${user.id}/move`, { regionId: nodeId('茶山街道') }));
  r = await oneRow('iam_user', user.id, 'move');
  assert.equal(r.before.regionId, street);
  assert.equal(r.after.regionId, nodeId('茶山街道'));
  await ok(await admin.post(`/api/v1/iam/users/${user.id}/reveal`));
  r = await oneRow('iam_user', user.id, 'reveal');
  await ok(await admin.del(`/api/v1/iam/users/${user.id}`), 204);
  r = await oneRow('iam_user', user.id, 'delete');
  assert.equal(r.before.username, user.username);
  assert.equal(r.after, null);
  const all = await rows(admin, `entity=iam_user&entityId=${user.id}`);
  assert.ok(!JSON.stringify(all).includes(phone), 'no audit row of the account holds its full phone');

  // iam_role
  const role = await ok(await admin.post('/api/v1/iam/roles', { name: uniq('审计角色'), code: uniq('aud_'), permissions: ['iam:user:list'] }), 201);
  r = await oneRow('iam_role', role.id, 'create');
  assert.deepEqual(r.after.permissions, ['iam:user:list']);
  await ok(await admin.put(`/api/v1/iam/roles/${role.id}`, { name: `${role.name}改`, remark: 'x' }));
  r = await oneRow('iam_role', role.id, 'update');
  assert.equal(r.before.name, role.name);
  assert.equal(r.after.name, `${role.name}改`);
  await ok(await admin.post(`/api/v1/iam/roles/${role.id}/status`, { enabled: false }));
  r = await oneRow('iam_role', role.id, 'status');
  assert.equal(r.after.enabled, false);
  await ok(await admin.put(`/api/v1/iam/roles/${role.id}/permissions`, { permissions: ['region:node:list'] }));
  r = await oneRow('iam_role', role.id, 'grant');
  assert.deepEqual(r.before.permissions, ['iam:user:list']);
  assert.deepEqual(r.after.permissions, ['region:node:list']);
  await ok(await admin.del(`/api/v1/iam/roles/${role.id}`), 204);
  r = await oneRow('iam_role', role.id, 'delete');
  assert.equal(r.after, null);

  // a password change is audited with the account itself as actor
  const ready = await createReadyUser(server, admin, { regionId: street, roleIds: [] });
  r = await oneRow('iam_user', ready.user.id, 'change_password', ready.user.username);
  assert.equal(r.actorId, ready.user.id);
});

test('editing an SMS template writes an audit row with the old and new text', async () => {
  const tpl = (await admin.get('/api/v1/notify/templates')).body.items.find((t) => t.code === 'reset_code');
  assert.ok(tpl, 'the reset_code template exists');
  const content = `${tpl.content}（测试）`;
  const res = await admin.put('/api/v1/notify/templates/reset_code', { content });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.content, content);
  assert.equal((await admin.get('/api/v1/notify/templates')).body.items.find((t) => t.code === 'reset_code').content, content);
  const t = await rows(admin, 'entity=notify_template&action=update');
  assert.equal(t.total, 1);
  assert.equal(t.items[0].before.content, tpl.content);
  assert.equal(t.items[0].after.content, content);
  assert.equal(t.items[0].actorName, 'admin');
  await ok(await admin.put('/api/v1/notify/templates/reset_code', { content: tpl.content }));
});

test('a street admin reads only the audit rows of its own subtree', async () => {
  // Changes in 北港 (by admin and by beigang), in 永红 (by yonghong), and city-wide.
  const bgStreet = fx.nodes.get('北港街道');
  const bgGrid = fx.nodes.get('北港社区');
  await ok(await admin.put(`/api/v1/region/nodes/${bgStreet.id}`, { name: bgStreet.name, population: bgStreet.population + 1, sortOrder: bgStreet.sortOrder }));
  await ok(await beigang.put(`/api/v1/region/nodes/${bgGrid.id}`, { name: bgGrid.name, kind: bgGrid.kind, population: 1, sortOrder: bgGrid.sortOrder }));
  const bgUser = await ok(await beigang.post('/api/v1/iam/users', { username: uniq('bg-'), regionId: bgStreet.id, password: 'Init1234a' }), 201);
  const yhGrid = fx.nodes.get('永红社区');
  await ok(await yonghong.put(`/api/v1/region/nodes/${yhGrid.id}`, { name: yhGrid.name, kind: yhGrid.kind, population: 2, sortOrder: yhGrid.sortOrder }));
  const yhUser = await ok(await yonghong.post('/api/v1/iam/users', { username: uniq('yh-'), regionId: yhGrid.id, password: 'Init1234a' }), 201);
  await ok(await admin.post('/api/v1/iam/roles', { name: uniq('城角色'), code: uniq('city_'), permissions: [] }), 201);

  const seen = (await yonghong.all('/api/v1/audit/logs')).map((x) => `${x.entity}:${x.entityId}`);
  assert.ok(seen.includes(`region_node:${yhGrid.id}`), 'sees changes of its grids');
  assert.ok(seen.includes(`iam_user:${yhUser.id}`), 'sees its own accounts');
  for (const key of [`region_node:${bgStreet.id}`, `region_node:${bgGrid.id}`, `iam_user:${bgUser.id}`, `iam_user:${fx.users.get('beigang').id}`])
    assert.ok(!seen.includes(key), `yonghong must not see ${key}`);
  assert.ok(!seen.some((k) => k.startsWith('iam_role:') || k.startsWith('notify_template:')), 'no city-level role or template rows');

  // Everything it sees is about its own subtree (nothing in this file deletes 永红 records).
  const tree = (await yonghong.get('/api/v1/region/tree')).body;
  const ids = new Set();
  (function walk(ns) {
    for (const n of ns) {
      ids.add(n.id);
      walk(n.children);
    }
  })(tree.items);
  const users = new Set((await yonghong.all('/api/v1/iam/users')).map((u) => u.id));
  // Vaccination records (the demo sites, slots and staff) of 永红 as yonghong lists them.
  const vax = async (p) => new Set((await yonghong.all(`/api/v1/vaccination/${p}`)).map((r) => r.id));
  const own = { vax_site: await vax('sites'), vax_slot: await vax('slots'), vax_staff: await vax('staff') };
  for (const k of seen) {
    const [entity, id] = k.split(':');
    if (entity === 'region_node') assert.ok(ids.has(Number(id)), `region row ${id} is in 永红`);
    else if (entity === 'iam_user') assert.ok(users.has(Number(id)), `user row ${id} is in 永红`);
    else if (entity === 'vax_group_link') assert.ok(ids.has(Number(id)), `group link row ${id} is of a 永红 street`);
    else if (own[entity]) assert.ok(own[entity].has(Number(id)), `${entity} row ${id} is in 永红`);
    else assert.fail(`unexpected entity in a street admin's audit log: ${k}`);
  }
  assert.equal((await rows(yonghong, `entity=region_node&entityId=${bgStreet.id}`)).total, 0);
  assert.equal((await rows(yonghong, `entity=iam_user&entityId=${bgUser.id}`)).total, 0);

  const bgSeen = (await beigang.all('/api/v1/audit/logs')).map((x) => `${x.entity}:${x.entityId}`);
  assert.ok(bgSeen.includes(`region_node:${bgGrid.id}`) && bgSeen.includes(`iam_user:${bgUser.id}`));
  assert.ok(!bgSeen.includes(`region_node:${yhGrid.id}`) && !bgSeen.includes(`iam_user:${yhUser.id}`));
  const adminSeen = (await admin.all('/api/v1/audit/logs')).map((x) => `${x.entity}:${x.entityId}`);
  assert.ok(adminSeen.includes(`region_node:${bgGrid.id}`) && adminSeen.includes(`region_node:${yhGrid.id}`));
  const grid = await server.login('yonghong-grid');
  expectProblem(assert, await grid.get('/api/v1/audit/logs'), 403, 'forbidden');
});

test('a refused change (4xx) writes no audit row and changes nothing', async () => {
  const grid = fx.nodes.get('丽华村');
  const role = await ok(await admin.post('/api/v1/iam/roles', { name: uniq('在用角色'), code: uniq('inuse_'), permissions: ['iam:user:list'] }), 201);
  const phone = randomPhone('132');
  const user = await ok(await admin.post('/api/v1/iam/users', { username: uniq('ref-'), phone, email: 'a@b.cn', regionId: grid.id, roleIds: [role.id], password: 'Init1234a' }), 201);
  const snapshot = async () => ({
    grid: (await admin.get(`/api/v1/region/nodes/${grid.id}`)).body,
    street: (await admin.get(`/api/v1/region/nodes/${nodeId('雕庄街道')}`)).body,
    user: (await admin.get(`/api/v1/iam/users/${user.id}`)).body,
    role: (await admin.get(`/api/v1/iam/roles/${role.id}`)).body,
    yhGrid: (await admin.get(`/api/v1/iam/users/${fx.users.get('yonghong-grid').id}`)).body,
    users: (await admin.get('/api/v1/iam/users?pageSize=1')).body.total,
    roles: (await admin.get('/api/v1/iam/roles?pageSize=1')).body.total,
    kids: (await admin.get(`/api/v1/region/nodes?parentId=${nodeId('雕庄街道')}&pageSize=1`)).body.total,
    audit: (await admin.get('/api/v1/audit/logs?pageSize=1')).body.total,
  });
  const before = await snapshot();

  const refusals = [
    ['population out of range', () => admin.put(`/api/v1/region/nodes/${grid.id}`, { name: grid.name, kind: grid.kind, population: -1 }), 422],
    ['grid without kind', () => admin.put(`/api/v1/region/nodes/${grid.id}`, { name: 'X改名', population: 5 }), 422],
    ['rename onto a sibling', () => admin.put(`/api/v1/region/nodes/${grid.id}`, { name: '雕庄社区', kind: grid.kind, population: 5 }), 409],
    ['duplicate sibling', () => admin.post('/api/v1/region/nodes', { parentId: nodeId('雕庄街道'), name: '采菱社区', kind: 'community' }), 409],
    ['child of a grid', () => admin.post('/api/v1/region/nodes', { parentId: grid.id, name: uniq('x'), kind: 'community' }), 422],
    ['move to the wrong level', () => admin.post(`/api/v1/region/nodes/${grid.id}/move`, { parentId: nodeId('天宁区') }), 422],
    ['disable own node', () => yonghong.post(`/api/v1/region/nodes/${nodeId('永红街道')}/status`, { enabled: false }), 403],
    ['bad email', () => admin.put(`/api/v1/iam/users/${user.id}`, { nickname: '改', email: 'not-an-email' }), 422],
    ['phone taken', () => admin.put(`/api/v1/iam/users/${user.id}`, { nickname: '改', phone: '13800000001' }), 409],
    ['weak reset', () => admin.post(`/api/v1/iam/users/${user.id}/reset-password`, { password: 'abc' }), 422],
    ['grant beyond own', () => yonghong.put(`/api/v1/iam/users/${fx.users.get('yonghong-grid').id}/roles`, { roleIds: [roleId('district_admin')] }), 403],
    ['move user out of scope', () => yonghong.post(`/api/v1/iam/users/${fx.users.get('yonghong-grid').id}/move`, { regionId: nodeId('北港街道') }), 422],
    ['unknown permission', () => admin.put(`/api/v1/iam/roles/${role.id}/permissions`, { permissions: ['iam:user:list', 'nope:nope'] }), 422],
    ['role in use', () => admin.del(`/api/v1/iam/roles/${role.id}`), 409],
    ['role name taken', () => admin.put(`/api/v1/iam/roles/${role.id}`, { name: '街道管理员' }), 409],
    ['disable self', () => admin.post(`/api/v1/iam/users/${fx.users.get('admin').id}/status`, { enabled: false }), 403],
    ['template by a district admin', async () => (await server.login('zhonglou')).put('/api/v1/notify/templates/login_code', { content: 'x' }), 403],
  ];
  for (const [what, run, status] of refusals) {
    const res = await run();
    assert.equal(res.status, status, `${what}: ${res.text}`);
  }
  // A refusal raised after the handler already wrote (account inserted, then its role rows
  // clash) must roll back the account too.
  const half = uniq('half-');
  const dup = await admin.post('/api/v1/iam/users', { username: half, regionId: grid.id, roleIds: [role.id, role.id], password: 'Init1234a' });
  assert.ok(dup.status >= 400 && dup.status < 500 || dup.status === 201, `${dup.status} ${dup.text}`);
  if (dup.status !== 201) {
    assert.equal((await admin.get(`/api/v1/iam/users?keyword=${half}`)).body.total, 0, 'a refused create leaves no account behind');
  } else {
    await admin.del(`/api/v1/iam/users/${dup.body.id}`);
  }
  const afterSnap = await snapshot();
  if (dup.status === 201) {
    // created then deleted through the API: two audit rows and nothing else
    afterSnap.audit -= 2;
  }
  assert.deepEqual(afterSnap, before);
  assert.equal((await admin.post(`/api/v1/iam/users/${user.id}/reveal`)).body.phone, phone, 'phone unchanged');
});

test('ids of deleted records are not reused, so a record’s audit history stays its own', async () => {
  const a = await ok(await admin.post('/api/v1/iam/users', { username: uniq('gone-'), regionId: nodeId('雕庄街道'), password: 'Init1234a' }), 201);
  await ok(await admin.del(`/api/v1/iam/users/${a.id}`), 204);
  const b = await ok(await admin.post('/api/v1/iam/users', { username: uniq('next-'), regionId: nodeId('雕庄街道'), password: 'Init1234a' }), 201);
  assert.notEqual(b.id, a.id, 'a new account must not take the id of a deleted one');
  const h = await rows(admin, `entity=iam_user&entityId=${b.id}`);
  assert.deepEqual(h.items.map((x) => x.action), ['create'], `history of ${b.username}: ${JSON.stringify(h.items.map((x) => x.summary))}`);

  const r1 = await ok(await admin.post('/api/v1/iam/roles', { name: uniq('旧角色'), code: uniq('old_'), permissions: [] }), 201);
  await ok(await admin.del(`/api/v1/iam/roles/${r1.id}`), 204);
  const r2 = await ok(await admin.post('/api/v1/iam/roles', { name: uniq('新角色'), code: uniq('new_'), permissions: [] }), 201);
  assert.notEqual(r2.id, r1.id, 'a new role must not take the id of a deleted one');
});
