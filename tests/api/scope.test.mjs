// The scope matrix: accounts of 永红街道 acting on records of 北港街道 (its street node, its
// grids, its accounts, a role it owns) get 403 or 404 on every route, and nothing changes.
// Driven by the live route list (`fangyi routes`) joined with lib/routes.mjs, so a new route
// with an {id} is exercised as soon as it is catalogued, and fails until it is.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { cityDate, createReadyUser, demoFixtures, serverRoutes, startServer, uniq } from './lib/harness.mjs';
import { CATALOG, KINDS, UNSCOPED, catalogued, fillPath } from './lib/routes.mjs';
import { VAX, bookFor, createSite, createSlot, createStaff, vaxWorld } from './lib/vax.mjs';

let server;
let admin;
let yonghong;
let beigang;
let power; // an account of 永红街道 holding every permission a district admin has
let fx;
let routes;
const targets = {}; // kind -> [{label, id, record}]
let bgPaths; // path prefix of 北港街道
let bgRole;
let bgUser;
let vx; // the vaccination side of the demo city (lib/vax.mjs)
let yhSlot; // a slot of 永红街道 the control requests book into

const OUTSIDE = [403, 404];

before(async () => {
  server = await startServer();
  [admin, yonghong, beigang] = await Promise.all(['admin', 'yonghong', 'beigang'].map((u) => server.login(u)));
  fx = await demoFixtures(admin);
  routes = await serverRoutes();
  const bg = fx.nodes.get('北港街道');
  bgPaths = bg.path;

  // A role owned by 北港街道: beigang needs iam:role:create for a moment to make one.
  const bgId = fx.users.get('beigang').id;
  const street = fx.roles.get('street_admin').id;
  const district = fx.roles.get('district_admin').id;
  assert.equal((await admin.put(`/api/v1/iam/users/${bgId}/roles`, { roleIds: [street, district] })).status, 200);
  const role = await beigang.post('/api/v1/iam/roles', { name: uniq('北港角色'), code: uniq('bg_'), permissions: ['iam:user:list'] });
  assert.equal(role.status, 201, role.text);
  bgRole = role.body;
  assert.equal(bgRole.regionId, bg.id);
  assert.equal((await admin.put(`/api/v1/iam/users/${bgId}/roles`, { roleIds: [street] })).status, 200);

  const u = await beigang.post('/api/v1/iam/users', {
    username: uniq('bg-user-'),
    phone: '13700000077',
    regionId: fx.nodes.get('北港社区').id,
    roleIds: [bgRole.id],
    password: 'Init1234a',
  });
  assert.equal(u.status, 201, u.text);
  bgUser = u.body;
  // Login-log rows of 北港 accounts: one success, one failure.
  assert.equal((await server.client().login(bgUser.username, 'Wrong9999x')).status, 401);
  // An SMS outbox row for beigang (the sender is off in this server, so it stays pending).
  assert.equal((await server.client().post('/api/v1/auth/sms-code', { username: 'beigang', captcha: 'test', purpose: 'reset' })).status, 202);

  targets.user = [
    { label: 'account beigang', id: bgId },
    { label: 'account created by beigang', id: bgUser.id },
  ];
  targets.node = [
    { label: 'street 北港街道', id: bg.id },
    { label: 'grid 北港社区', id: fx.nodes.get('北港社区').id },
    { label: 'grid 新闸村', id: fx.nodes.get('新闸村').id },
  ];
  targets.role = [{ label: 'role owned by 北港街道', id: bgRole.id }];
  targets.template = [{ label: 'template login_code', id: 'login_code' }];

  // Vaccination records of 北港街道: its demo site, a staff member, a slot, a booking.
  vx = await vaxWorld(admin);
  const bgSite = vx.sites.get('北港街道');
  const bgStaff = (await createStaff(admin, bgSite.id)).staff;
  const bgSlot = (await admin.get(`${VAX}/slots?regionId=${bg.id}&type=personal&date=${cityDate(1)}`)).body.items[0];
  assert.ok(bgSlot, 'a demo slot of 北港街道 tomorrow');
  const bgBooking = (await bookFor(server, admin, { token: vx.links.get('北港街道').token, slotId: bgSlot.id, gridId: fx.nodes.get('北港社区').id })).booking;
  targets.site = [{ label: 'site of 北港街道', id: bgSite.id }];
  targets.staff = [{ label: 'staff of the 北港 site', id: bgStaff.id }];
  targets.slot = [{ label: 'slot of 北港街道', id: bgSlot.id }];
  targets.booking = [{ label: 'booking in 北港社区', id: bgBooking.id }];
  targets.vaccine = [{ label: 'vaccine (city-wide)', id: vx.vaccines.vero.id }];
  yhSlot = await createSlot(admin, { siteId: vx.sites.get('永红街道').id, vaccineId: vx.vaccines.vero.id, quota: 1000 });

  for (const kind of Object.keys(targets)) for (const t of targets[kind]) if (kind !== 'template') t.record = await recordOf(kind, t.id);

  power = (await createReadyUser(server, admin, { regionId: fx.nodes.get('永红街道').id, roleIds: [district] })).client;
});

after(async () => {
  await server?.stop();
});

async function recordOf(kind, id) {
  // Records without a GET route of their own are read from their list.
  const inList = { site: `${VAX}/sites?pageSize=200`, staff: `${VAX}/staff?pageSize=200`, vaccine: `${VAX}/vaccines` }[kind];
  if (inList) {
    const res = await admin.get(inList);
    return { status: res.status, body: res.body.items.find((r) => r.id === id) };
  }
  const url = {
    user: `/api/v1/iam/users/${id}`,
    node: `/api/v1/region/nodes/${id}`,
    role: `/api/v1/iam/roles/${id}`,
    slot: `${VAX}/slots/${id}`,
    booking: `${VAX}/bookings/${id}`,
  }[kind];
  const res = await admin.get(url);
  return { status: res.status, body: res.body };
}

/** A fresh record of the kind inside 永红街道 (for `route`), to act on as the 永红 account. */
async function makeTarget(kind, route) {
  const yh = fx.nodes.get('永红街道');
  const fixed = inScope();
  switch (kind) {
    case 'user':
      return (await admin.post('/api/v1/iam/users', { username: uniq('ref-'), regionId: fx.nodes.get('永红社区').id, password: 'Init1234a' })).body;
    case 'role':
      return (await power.post('/api/v1/iam/roles', { name: uniq('永红角色'), code: uniq('yh_'), permissions: ['iam:user:list'] })).body;
    case 'node':
      if (route.street) return yh;
      return (await power.post('/api/v1/region/nodes', { parentId: yh.id, name: uniq('永红网格'), kind: 'community' })).body;
    case 'site':
      return createSite(power, yh.id);
    case 'staff':
      return (await createStaff(power, fixed.siteId)).staff;
    case 'slot':
      return createSlot(power, { siteId: fixed.siteId, vaccineId: fixed.vaccineId });
    case 'booking':
      return (await bookFor(server, power, { token: fixed.token, slotId: fixed.slotId, gridId: fixed.gridId })).booking;
    default:
      throw new Error(`no in-scope fixture for kind ${kind}`);
  }
}

/** Everything the admin can see of 北港 and the counts of the whole city. */
async function snapshot() {
  const recs = {};
  for (const kind of Object.keys(targets)) {
    if (kind === 'template') continue;
    for (const t of targets[kind]) recs[`${kind}:${t.id}`] = await recordOf(kind, t.id);
  }
  const tree = (await admin.get('/api/v1/region/tree')).text;
  return {
    recs,
    tree,
    users: (await admin.get('/api/v1/iam/users?pageSize=1')).body.total,
    roles: (await admin.get('/api/v1/iam/roles?pageSize=1')).body.total,
    templates: (await admin.get('/api/v1/notify/templates')).text,
  };
}

const actors = () => [
  ['yonghong (street admin)', yonghong],
  ['永红 account with district-admin permissions', power],
];

// Ids the actor may legitimately use in a body (everything in 永红).
const inScope = () => ({
  streetId: fx.nodes.get('永红街道').id,
  roleId: fx.roles.get('street_admin').id,
  siteId: vx.sites.get('永红街道').id,
  vaccineId: vx.vaccines.vero.id,
  gridId: fx.nodes.get('永红社区').id,
  token: vx.links.get('永红街道').token,
  slotId: yhSlot.id,
});

// Public routes (citizens, site staff) have no region scope: site staff are limited to their
// site, which vaccination-site.test.mjs covers.
const scoped = (entries) => entries.filter((e) => e.perm !== 'public');

describe('scope matrix', () => {
  test('every route is catalogued, and every path parameter names a known kind of record', async () => {
    const { missing, entries } = catalogued(routes);
    assert.deepEqual(missing, [], `routes missing from tests/api/lib/routes.mjs: ${missing.join(', ')}`);
    for (const r of entries) {
      const names = [...r.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const n of names) assert.ok(r.params && KINDS.includes(r.params[n]), `${r.key}: {${n}} has no record kind`);
    }
    const stale = Object.keys(CATALOG).filter((k) => !routes.some((r) => r.key === k));
    assert.deepEqual(stale, [], 'catalogue entries for routes the server no longer has');
  });

  test('routes with an {id}: acting on 北港 records answers 403 or 404', async () => {
    const before = await snapshot();
    const { entries } = catalogued(routes);
    const failures = [];
    let checked = 0;
    for (const r of scoped(entries).filter((e) => e.params)) {
      const [param, kind] = Object.entries(r.params)[0];
      for (const t of targets[kind]) {
        for (const [who, client] of actors()) {
          const body = r.body ? r.body(inScope(), t.record?.body ?? {}) : undefined;
          const res = await client.request(r.method, fillPath(r.path, { [param]: t.id }), body);
          checked++;
          if (!OUTSIDE.includes(res.status)) failures.push(`${who}: ${r.key} on ${t.label} → ${res.status} ${res.text.slice(0, 200)}`);
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(checked >= 40, `checked ${checked} requests`);
    assert.deepEqual(await snapshot(), before, 'the 北港 records are unchanged');
    assert.equal((await server.client().login('beigang')).status, 200, 'beigang still signs in with its password');
  });

  test('control: the same requests on 永红 records succeed for the 永红 account (the sample bodies are valid)', async () => {
    const { entries } = catalogued(routes);
    const failures = [];
    for (const r of scoped(entries).filter((e) => e.params)) {
      const [param, kind] = Object.entries(r.params)[0];
      if (UNSCOPED.includes(kind)) continue; // city-wide: only city-level accounts may edit (see below)
      const target = await makeTarget(kind, r);
      assert.ok(target?.id, `fixture for ${r.key}`);
      const body = r.body ? r.body(inScope(), target) : undefined;
      const res = await power.request(r.method, fillPath(r.path, { [param]: target.id }), body);
      if (res.status < 200 || res.status > 299) failures.push(`${r.key} → ${res.status} ${res.text.slice(0, 200)}`);
    }
    assert.deepEqual(failures, []);
  });

  test('ids of 北港 records inside request bodies are refused as well, and change nothing', async () => {
    const before = await snapshot();
    const { entries } = catalogued(routes);
    const refs = {
      regionId: [fx.nodes.get('北港街道').id, fx.nodes.get('北港社区').id],
      parentId: [fx.nodes.get('北港街道').id],
      roleIds: [[bgRole.id]],
      streetId: [fx.nodes.get('北港街道').id],
      siteId: [targets.site[0].id],
      gridId: [fx.nodes.get('北港社区').id, fx.nodes.get('新闸村').id],
    };
    const failures = [];
    let checked = 0;
    for (const r of scoped(entries).filter((e) => e.body)) {
      const sample = r.body(inScope(), {});
      const fields = Object.keys(sample).filter((f) => f in refs);
      for (const field of fields) {
        for (const value of refs[field]) {
          for (const [who, client] of actors()) {
            // The path (if any) names an in-scope record, so only the body reaches outside.
            let pathValues = {};
            let target = {};
            if (r.params) {
              target = await makeTarget(Object.values(r.params)[0], r);
              pathValues = { [Object.keys(r.params)[0]]: target.id };
            }
            const body = { ...r.body(inScope(), target), [field]: value };
            const res = await client.request(r.method, fillPath(r.path, pathValues), body);
            checked++;
            if (![403, 404, 422].includes(res.status))
              failures.push(`${who}: ${r.key} with ${field}=${JSON.stringify(value)} → ${res.status} ${res.text.slice(0, 200)}`);
            else if (res.status === 422 && !res.body.errors.some((e) => e.field === field))
              failures.push(`${who}: ${r.key} with ${field}: 422 does not name ${field}: ${res.text.slice(0, 200)}`);
          }
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(checked >= 12, `checked ${checked} requests`);
    const afterSnap = await snapshot();
    assert.deepEqual(afterSnap.recs, before.recs);
    assert.equal((await admin.get(`/api/v1/region/nodes?parentId=${fx.nodes.get('北港街道').id}&pageSize=200`)).body.total, 3, 'no node was created or moved under 北港街道');
    assert.equal((await admin.get(`/api/v1/iam/users?regionId=${fx.nodes.get('北港街道').id}&pageSize=1`)).body.total, 2, 'no account was created in or moved to 北港');
  });

  test('list routes filtered by a 北港 region answer 403 or 404; by a 永红 region 200', async () => {
    const { entries } = catalogued(routes);
    const failures = [];
    const own = { node: () => fx.nodes.get('永红街道').id, site: () => vx.sites.get('永红街道').id };
    for (const r of entries.filter((e) => e.list?.filters)) {
      for (const [param, kind] of Object.entries(r.list.filters)) {
        assert.ok(kind in own, `${r.key}: filter ${param} of kind ${kind}`);
        for (const t of targets[kind]) {
          for (const [who, client] of actors()) {
            const res = await client.get(`${r.path}?${param}=${t.id}`);
            if (!OUTSIDE.includes(res.status)) failures.push(`${who}: ${r.key}?${param}=${t.label} → ${res.status} ${res.text.slice(0, 200)}`);
          }
        }
        const mine = await yonghong.get(`${r.path}?${param}=${own[kind]()}`);
        assert.equal(mine.status, 200, `${r.key}?${param}=永红街道: ${mine.text}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  test('templates are city-wide: 永红 accounts cannot edit them', async () => {
    for (const [who, client] of actors()) {
      const res = await client.put('/api/v1/notify/templates/login_code', { content: '改' });
      assert.equal(res.status, 403, `${who}: ${res.text}`);
    }
  });
});

describe('lists hold nothing of 北港', () => {
  const bgNodeIds = () => new Set(fx.nodeList.filter((n) => n.path.startsWith(bgPaths)).map((n) => n.id));
  const bgUserIds = () => new Set([fx.users.get('beigang').id, bgUser.id]);
  const bgNames = () => ['beigang', bgUser.username];

  for (const [label, pick] of [
    ['yonghong', () => yonghong],
    ['the 永红 district-permission account', () => power],
  ]) {
    test(`${label}: users, tree, nodes, roles, login logs, audit logs, SMS`, async () => {
      const c = pick();
      const users = await c.all('/api/v1/iam/users');
      assert.ok(users.length >= 2);
      for (const u of users) {
        assert.ok(!bgUserIds().has(u.id), `user ${u.username} of 北港 listed`);
        assert.ok(!bgNodeIds().has(u.regionId), `user ${u.username} in a 北港 region listed`);
      }
      const tree = (await c.get('/api/v1/region/tree')).body.items;
      const flat = [];
      (function walk(ns) {
        for (const n of ns) {
          flat.push(n);
          walk(n.children);
        }
      })(tree);
      assert.ok(flat.length >= 5);
      assert.ok(flat.every((n) => !n.path.startsWith(bgPaths) && !bgNodeIds().has(n.id)), 'no 北港 node in the tree');
      assert.ok(!(await c.all('/api/v1/region/nodes')).some((n) => bgNodeIds().has(n.id)));
      const roles = await c.all('/api/v1/iam/roles');
      assert.ok(!roles.some((r) => r.id === bgRole.id), 'the 北港 role is not listed');
      const logins = await c.all('/api/v1/iam/login-logs');
      assert.ok(logins.length >= 1, 'sees its own sign-ins');
      for (const l of logins) assert.ok(!bgNames().includes(l.username), `login log of ${l.username} listed`);
      const audit = await c.all('/api/v1/audit/logs');
      for (const a of audit) {
        const hit =
          (a.entity === 'region_node' && bgNodeIds().has(a.entityId)) ||
          (a.entity === 'iam_user' && bgUserIds().has(a.entityId)) ||
          (a.entity === 'iam_role' && a.entityId === bgRole.id);
        assert.ok(!hit, `audit row about 北港 listed: ${a.summary}`);
      }
      const sms = await c.all('/api/v1/notify/sms');
      assert.ok(!sms.some((m) => m.phone === '138****0012'), 'no SMS to beigang listed');
      const summary = (await c.get('/api/v1/region/summary')).body;
      assert.equal(summary.regionName, '永红街道');
      assert.equal(summary.streets, 1);
    });
  }

  test('the admin does see the 北港 rows (so the checks above are not vacuous)', async () => {
    const logins = await admin.all('/api/v1/iam/login-logs');
    assert.ok(logins.some((l) => l.username === 'beigang'));
    assert.ok(logins.some((l) => l.username === bgUser.username));
    const sms = await admin.all('/api/v1/notify/sms');
    assert.ok(sms.some((m) => m.phone === '138****0012'));
    const audit = await admin.all('/api/v1/audit/logs');
    assert.ok(audit.some((a) => a.entity === 'iam_role' && a.entityId === bgRole.id));
    assert.ok(audit.some((a) => a.entity === 'iam_user' && a.entityId === bgUser.id));
    const bgSees = await beigang.all('/api/v1/iam/users');
    assert.ok(bgSees.some((u) => u.id === bgUser.id));
  });
});
