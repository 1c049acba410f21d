// SPEC X1: the region tree (city → district → street → grid).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { demoFixtures, errorFields, expectProblem, flatten, startServer, uniq } from './lib/harness.mjs';

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

const node = (name) => fx.nodes.get(name);

async function allNodes(client = admin) {
  const res = await client.get('/api/v1/region/tree');
  assert.equal(res.status, 200);
  return flatten(res.body.items);
}

async function create(client, body, status = 201) {
  const res = await client.post('/api/v1/region/nodes', body);
  assert.equal(res.status, status, `create ${JSON.stringify(body)}: ${res.text}`);
  return res.body;
}

test('admin tree: the city root with districts, streets and grids nested under it', async () => {
  const res = await admin.get('/api/v1/region/tree');
  assert.equal(res.status, 200);
  assert.equal(res.body.items.length, 1, 'one root');
  const city = res.body.items[0];
  assert.equal(city.name, '演示市');
  assert.equal(city.level, 1);
  assert.equal(city.parentId, null);
  assert.equal(city.path, `/${city.id}/`);
  const districts = city.children.filter((d) => ['钟楼区', '天宁区'].includes(d.name));
  assert.deepEqual(districts.map((d) => d.name).sort(), ['天宁区', '钟楼区']);
  const zl = districts.find((d) => d.name === '钟楼区');
  assert.deepEqual(
    zl.children.map((s) => s.name).filter((n) => ['永红街道', '北港街道', '荷花池街道'].includes(n)),
    ['永红街道', '北港街道', '荷花池街道'],
    'streets in sort order',
  );
  const yh = zl.children.find((s) => s.name === '永红街道');
  assert.equal(yh.level, 3);
  assert.equal(yh.parentId, zl.id);
  assert.equal(yh.path, `${zl.path}${yh.id}/`);
  assert.deepEqual(yh.children.map((g) => g.name), ['永红社区', '勤业新村社区', '广化社区', '花园社区']);
  for (const g of yh.children) {
    assert.equal(g.level, 4);
    assert.equal(g.kind, 'community');
    assert.deepEqual(g.children, []);
  }
  const all = flatten(res.body.items);
  for (const n of all) for (const c of n.children) assert.equal(c.parentId, n.id, `${c.name} under ${n.name}`);
  const demoGrids = all.filter((n) => n.level === 4 && fx.nodeList.some((d) => d.id === n.id));
  assert.equal(demoGrids.length, 20);
  assert.equal(node('新闸村').kind, 'village');
});

test("a street admin's tree is rooted at its street and holds only its grids", async () => {
  const res = await yonghong.get('/api/v1/region/tree');
  assert.equal(res.status, 200);
  assert.equal(res.body.items.length, 1);
  assert.equal(res.body.items[0].name, '永红街道');
  const names = flatten(res.body.items).map((n) => n.name);
  assert.deepEqual(names.sort(), ['勤业新村社区', '广化社区', '永红街道', '永红社区', '花园社区'].sort());
});

test('create a street under a district, and grids (community/village) under it', async () => {
  const d = node('天宁区');
  const street = await create(admin, { parentId: d.id, name: uniq('新街道'), population: 5000, sortOrder: 9 });
  assert.equal(street.level, 3);
  assert.equal(street.parentId, d.id);
  assert.equal(street.path, `${d.path}${street.id}/`);
  assert.equal(street.population, 5000);
  assert.equal(street.kind, null);
  assert.equal(street.enabled, true);
  const got = await admin.get(`/api/v1/region/nodes/${street.id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, street);

  const community = await create(admin, { parentId: street.id, name: uniq('社区'), kind: 'community', population: 800 });
  assert.equal(community.level, 4);
  assert.equal(community.kind, 'community');
  assert.equal(community.path, `${street.path}${community.id}/`);
  const village = await create(admin, { parentId: street.id, name: uniq('村'), kind: 'village' });
  assert.equal(village.kind, 'village');

  const noKind = await admin.post('/api/v1/region/nodes', { parentId: street.id, name: uniq('网格') });
  expectProblem(assert, noKind, 422, 'validation_failed');
  assert.deepEqual(errorFields(noKind), ['kind']);
  const badKind = await admin.post('/api/v1/region/nodes', { parentId: street.id, name: uniq('网格'), kind: 'town' });
  expectProblem(assert, badKind, 422);
  assert.deepEqual(errorFields(badKind), ['kind']);
  const streetKind = await admin.post('/api/v1/region/nodes', { parentId: d.id, name: uniq('街道'), kind: 'community' });
  expectProblem(assert, streetKind, 422);
  assert.deepEqual(errorFields(streetKind), ['kind']);

  const kids = await admin.get(`/api/v1/region/nodes?parentId=${street.id}`);
  assert.equal(kids.body.total, 2, 'refused grids were not created');
});

test('a grid cannot have children → 422 naming parentId', async () => {
  const res = await admin.post('/api/v1/region/nodes', { parentId: node('永红社区').id, name: uniq('楼栋'), kind: 'community' });
  expectProblem(assert, res, 422, 'validation_failed');
  assert.deepEqual(errorFields(res), ['parentId']);
  const kids = await admin.get(`/api/v1/region/nodes?parentId=${node('永红社区').id}`);
  assert.equal(kids.body.total, 0);
});

test('duplicate sibling name → 409; the same name under another parent is fine', async () => {
  const name = uniq('重名街道');
  await create(admin, { parentId: node('天宁区').id, name });
  const dup = await admin.post('/api/v1/region/nodes', { parentId: node('天宁区').id, name });
  expectProblem(assert, dup, 409, 'name_taken');
  assert.deepEqual(errorFields(dup), ['name']);
  const padded = await admin.post('/api/v1/region/nodes', { parentId: node('天宁区').id, name: `  ${name} ` });
  expectProblem(assert, padded, 409, 'name_taken', 'names are trimmed before the check');
  await create(admin, { parentId: node('钟楼区').id, name });
  const existing = await admin.post('/api/v1/region/nodes', { parentId: node('钟楼区').id, name: '永红街道' });
  expectProblem(assert, existing, 409, 'name_taken');
});

test('update a node: population and name; renaming onto a sibling → 409', async () => {
  const street = await create(admin, { parentId: node('天宁区').id, name: uniq('改街道'), population: 100 });
  const res = await admin.put(`/api/v1/region/nodes/${street.id}`, { name: street.name, population: 4321, sortOrder: 3 });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.population, 4321);
  const got = (await admin.get(`/api/v1/region/nodes/${street.id}`)).body;
  assert.equal(got.population, 4321);
  assert.equal(got.sortOrder, 3);
  assert.equal(got.path, street.path, 'an update keeps the path');
  assert.ok(got.updatedAt >= street.updatedAt);
  const renamed = await admin.put(`/api/v1/region/nodes/${street.id}`, { name: `${street.name}二`, population: 4321 });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.name, `${street.name}二`);
  const clash = await admin.put(`/api/v1/region/nodes/${street.id}`, { name: '雕庄街道', population: 1 });
  expectProblem(assert, clash, 409, 'name_taken');
  assert.equal((await admin.get(`/api/v1/region/nodes/${street.id}`)).body.population, 4321);
  // A grid keeps needing a kind; a street may not get one.
  const grid = await create(admin, { parentId: street.id, name: uniq('网格'), kind: 'village' });
  expectProblem(assert, await admin.put(`/api/v1/region/nodes/${grid.id}`, { name: grid.name }), 422);
  const toCommunity = await admin.put(`/api/v1/region/nodes/${grid.id}`, { name: grid.name, kind: 'community', population: 7 });
  assert.equal(toCommunity.status, 200);
  assert.equal(toCommunity.body.kind, 'community');
  expectProblem(assert, await admin.put(`/api/v1/region/nodes/${street.id}`, { name: street.name, kind: 'village' }), 422);
  // A street admin may update nodes of its own street.
  const yhGrid = node('花园社区');
  const own = await yonghong.put(`/api/v1/region/nodes/${yhGrid.id}`, { name: yhGrid.name, kind: 'community', population: yhGrid.population + 1, sortOrder: yhGrid.sortOrder });
  assert.equal(own.status, 200, own.text);
  assert.equal(own.body.population, yhGrid.population + 1);
});

test('disable and enable a node', async () => {
  const street = await create(admin, { parentId: node('天宁区').id, name: uniq('停用街道') });
  const off = await admin.post(`/api/v1/region/nodes/${street.id}/status`, { enabled: false });
  assert.equal(off.status, 200);
  assert.equal(off.body.enabled, false);
  assert.equal((await admin.get(`/api/v1/region/nodes/${street.id}`)).body.enabled, false);
  const on = await admin.post(`/api/v1/region/nodes/${street.id}/status`, { enabled: true });
  assert.equal(on.body.enabled, true);
  assert.equal((await admin.get(`/api/v1/region/nodes/${street.id}`)).body.enabled, true);
  const created = await create(admin, { parentId: node('天宁区').id, name: uniq('初停街道'), enabled: false });
  assert.equal(created.enabled, false, 'enabled on create is honoured');
});

test('move a grid to another street: its path changes and no other node changes', async () => {
  const from = await create(admin, { parentId: node('钟楼区').id, name: uniq('原街道') });
  const to = await create(admin, { parentId: node('钟楼区').id, name: uniq('新街道') });
  const grid = await create(admin, { parentId: from.id, name: uniq('迁网格'), kind: 'community' });
  const before = await allNodes();
  const res = await admin.post(`/api/v1/region/nodes/${grid.id}/move`, { parentId: to.id });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.parentId, to.id);
  assert.equal(res.body.path, `${to.path}${grid.id}/`);
  const afterNodes = await allNodes();
  assert.equal(afterNodes.length, before.length);
  const b = new Map(before.map((n) => [n.id, n]));
  for (const n of afterNodes) {
    if (n.id === grid.id) continue;
    assert.equal(n.path, b.get(n.id).path, `${n.name} kept its path`);
    assert.equal(n.parentId, b.get(n.id).parentId, `${n.name} kept its parent`);
  }
  assert.equal((await admin.get(`/api/v1/region/nodes?parentId=${from.id}`)).body.total, 0);
  assert.deepEqual((await admin.get(`/api/v1/region/nodes?parentId=${to.id}`)).body.items.map((n) => n.id), [grid.id]);
});

test('move a street with its grids to another district: the subtree moves, nothing else', async () => {
  const street = await create(admin, { parentId: node('钟楼区').id, name: uniq('整街') });
  const g1 = await create(admin, { parentId: street.id, name: uniq('甲'), kind: 'community' });
  const g2 = await create(admin, { parentId: street.id, name: uniq('乙'), kind: 'village' });
  const before = await allNodes();
  const target = node('天宁区');
  const res = await admin.post(`/api/v1/region/nodes/${street.id}/move`, { parentId: target.id });
  assert.equal(res.status, 200, res.text);
  const moved = new Map([
    [street.id, `${target.path}${street.id}/`],
    [g1.id, `${target.path}${street.id}/${g1.id}/`],
    [g2.id, `${target.path}${street.id}/${g2.id}/`],
  ]);
  const b = new Map(before.map((n) => [n.id, n]));
  for (const n of await allNodes()) {
    assert.equal(n.path, moved.get(n.id) ?? b.get(n.id).path, `path of ${n.name}`);
  }
  // Moving to a parent at the wrong level, or under a grid, is refused.
  const wrong = await admin.post(`/api/v1/region/nodes/${g1.id}/move`, { parentId: node('钟楼区').id });
  expectProblem(assert, wrong, 422);
  assert.deepEqual(errorFields(wrong), ['parentId']);
  expectProblem(assert, await admin.post(`/api/v1/region/nodes/${street.id}/move`, { parentId: g1.id }), 422);
  expectProblem(assert, await admin.post(`/api/v1/region/nodes/${g1.id}/move`, { parentId: 99999999 }), 422);
  assert.equal((await admin.get(`/api/v1/region/nodes/${g1.id}`)).body.path, moved.get(g1.id));
});

test('accounts move with their region: scope follows a moved grid', async () => {
  const grid = await create(admin, { parentId: node('永红街道').id, name: uniq('带人网格'), kind: 'community' });
  const u = await admin.post('/api/v1/iam/users', { username: uniq('grid-user-'), regionId: grid.id, password: 'Init1234a' });
  assert.equal(u.status, 201);
  const beigang = await server.login('beigang');
  assert.equal((await yonghong.get(`/api/v1/iam/users/${u.body.id}`)).status, 200);
  expectProblem(assert, await beigang.get(`/api/v1/iam/users/${u.body.id}`), 404);
  assert.equal((await admin.post(`/api/v1/region/nodes/${grid.id}/move`, { parentId: node('北港街道').id })).status, 200);
  expectProblem(assert, await yonghong.get(`/api/v1/iam/users/${u.body.id}`), 404, 'not_found');
  expectProblem(assert, await yonghong.get(`/api/v1/region/nodes/${grid.id}`), 404, 'not_found');
  assert.equal((await beigang.get(`/api/v1/iam/users/${u.body.id}`)).status, 200);
  assert.equal((await beigang.get(`/api/v1/region/nodes/${grid.id}`)).status, 200);
  assert.equal((await admin.get(`/api/v1/iam/users/${u.body.id}`)).body.regionId, grid.id, 'the account keeps its node');
});

test('moving onto a parent that has a child of the same name → 409', async () => {
  const a = await create(admin, { parentId: node('天宁区').id, name: uniq('甲街') });
  const b = await create(admin, { parentId: node('天宁区').id, name: uniq('乙街') });
  const name = uniq('同名网格');
  const ga = await create(admin, { parentId: a.id, name, kind: 'community' });
  await create(admin, { parentId: b.id, name, kind: 'community' });
  expectProblem(assert, await admin.post(`/api/v1/region/nodes/${ga.id}/move`, { parentId: b.id }), 409, 'name_taken');
  assert.equal((await admin.get(`/api/v1/region/nodes/${ga.id}`)).body.parentId, a.id);
});

test('districts and streets carry unguessable, distinct link tokens; the city and grids none', async () => {
  const nodes = await allNodes();
  const tokens = [];
  for (const n of nodes) {
    if (n.level === 2 || n.level === 3) {
      assert.equal(typeof n.linkToken, 'string', `${n.name} has a link token`);
      assert.ok(n.linkToken.length >= 20, `${n.name} token is long: ${n.linkToken}`);
      assert.match(n.linkToken, /^[A-Za-z0-9_-]+$/, 'URL-safe');
      tokens.push(n.linkToken);
    } else {
      assert.equal(n.linkToken, null, `${n.name} (level ${n.level}) has no link token`);
    }
  }
  assert.ok(tokens.length >= 8);
  assert.equal(new Set(tokens).size, tokens.length, 'tokens are distinct');
});

test('an account cannot disable or move its own node → 403 own_region', async () => {
  const yh = node('永红街道');
  expectProblem(assert, await yonghong.post(`/api/v1/region/nodes/${yh.id}/status`, { enabled: false }), 403, 'own_region');
  const zl = node('钟楼区');
  expectProblem(assert, await zhonglou.post(`/api/v1/region/nodes/${zl.id}/status`, { enabled: false }), 403, 'own_region');
  expectProblem(assert, await zhonglou.post(`/api/v1/region/nodes/${zl.id}/move`, { parentId: fx.nodes.get('演示市').id }), 403, 'own_region');
  expectProblem(assert, await admin.post(`/api/v1/region/nodes/${fx.nodes.get('演示市').id}/status`, { enabled: false }), 403, 'own_region');
  assert.equal((await admin.get(`/api/v1/region/nodes/${yh.id}`)).body.enabled, true);
  assert.equal((await admin.get(`/api/v1/region/nodes/${zl.id}`)).body.enabled, true);
  // ...but it may disable a node below it.
  const g = node('广化社区');
  assert.equal((await yonghong.post(`/api/v1/region/nodes/${g.id}/status`, { enabled: false })).status, 200);
  assert.equal((await yonghong.post(`/api/v1/region/nodes/${g.id}/status`, { enabled: true })).status, 200);
});

test('a street admin without region:node:move cannot move anything → 403 forbidden', async () => {
  const g = node('永红社区');
  expectProblem(assert, await yonghong.post(`/api/v1/region/nodes/${g.id}/move`, { parentId: node('永红街道').id }), 403, 'forbidden');
});

test('children list: paging and keyword', async () => {
  const zl = node('钟楼区');
  const p1 = await admin.get(`/api/v1/region/nodes?parentId=${zl.id}&pageSize=2&page=1`);
  assert.equal(p1.status, 200);
  assert.equal(p1.body.items.length, 2);
  assert.ok(p1.body.total >= 3);
  const p2 = await admin.get(`/api/v1/region/nodes?parentId=${zl.id}&pageSize=2&page=2`);
  assert.ok(p2.body.items.length >= 1);
  assert.ok(!p2.body.items.some((n) => p1.body.items.some((m) => m.id === n.id)), 'pages do not overlap');
  assert.ok([...p1.body.items, ...p2.body.items].every((n) => n.parentId === zl.id));
  const kw = await admin.get(`/api/v1/region/nodes?parentId=${zl.id}&keyword=${encodeURIComponent('北港')}`);
  assert.deepEqual(kw.body.items.map((n) => n.name), ['北港街道']);
  const def = await yonghong.get('/api/v1/region/nodes');
  assert.equal(def.status, 200);
  assert.ok(def.body.items.every((n) => n.parentId === node('永红街道').id), 'default parent is the own node');
});

test('summary counts what lies in the account’s subtree', async () => {
  const all = await allNodes();
  const users = await admin.get('/api/v1/iam/users?pageSize=1');
  const s = await admin.get('/api/v1/region/summary');
  assert.equal(s.status, 200);
  assert.equal(s.body.districts, all.filter((n) => n.level === 2).length);
  assert.equal(s.body.streets, all.filter((n) => n.level === 3).length);
  assert.equal(s.body.grids, all.filter((n) => n.level === 4).length);
  assert.equal(s.body.users, users.body.total);
  assert.equal(s.body.regionName, '演示市');
  assert.equal(s.body.population, 1250000);
  const y = await yonghong.get('/api/v1/region/summary');
  assert.deepEqual(
    { d: y.body.districts, s: y.body.streets, g: y.body.grids, u: y.body.users, name: y.body.regionName, pop: y.body.population },
    { d: 0, s: 1, g: 4, u: 2, name: '永红街道', pop: 140787 },
  );
  const grid = await server.login('yonghong-grid');
  const g = await grid.get('/api/v1/region/summary');
  assert.equal(g.status, 200);
  assert.equal(g.body.grids, 1);
  assert.equal(g.body.streets, 0);
});
