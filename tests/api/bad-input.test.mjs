// Bad input on every route of `fangyi routes`: malformed and wrong-shaped bodies, oversized
// bodies, missing and mistyped fields, unknown or malformed ids, bad query parameters. Every
// one is refused with the right status and names what is wrong, and nothing changes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { errorFields, expectProblem, serverRoutes, startServer, uniq } from './lib/harness.mjs';
import { catalogued, fillPath } from './lib/routes.mjs';
import { VAX, bookFor, createSite, createSlot, staffOf, vaxWorld } from './lib/vax.mjs';

let server;
let admin;
let entries;
let fixtures; // kind -> record the path parameter names
let bodyIds; // ids sample bodies may use
let before0;
let staff; // a signed-in site-staff client (routes with auth: 'staff'), of the fixture booking's site

/** The client a route is called with: site-staff routes need the staff session. */
const clientFor = (r) => (r.auth === 'staff' ? staff : admin);

before(async () => {
  server = await startServer();
  admin = await server.login('admin');
  const { missing, entries: e } = catalogued(await serverRoutes());
  assert.deepEqual(missing, [], `routes missing from tests/api/lib/routes.mjs: ${missing.join(', ')}`);
  entries = e;
  const tree = (await admin.get('/api/v1/region/tree')).body.items;
  const flat = [];
  (function walk(ns) {
    for (const n of ns) {
      flat.push(n);
      walk(n.children);
    }
  })(tree);
  const street = flat.find((n) => n.name === '永红街道');
  const roles = (await admin.get('/api/v1/iam/roles?pageSize=200')).body.items;
  const grid = (await admin.post('/api/v1/region/nodes', { parentId: street.id, name: uniq('坏输入网格'), kind: 'community', population: 5 })).body;
  const role = (await admin.post('/api/v1/iam/roles', { name: uniq('坏输入角色'), code: uniq('bad_'), permissions: ['iam:user:list'] })).body;
  const user = (await admin.post('/api/v1/iam/users', { username: uniq('bad-'), nickname: '原名', phone: '13600000066', regionId: grid.id, roleIds: [role.id], password: 'Init1234a' })).body;
  assert.ok(grid.id && role.id && user.id, 'fixtures created');
  // Vaccination: a site of 永红街道 with a slot, a booking there and a staff member signed in.
  const vx = await vaxWorld(admin);
  const site = await createSite(admin, street.id);
  const slot = await createSlot(admin, { siteId: site.id, vaccineId: vx.vaccines.vero.id, quota: 100 });
  const token = vx.links.get('永红街道').token;
  const yhGrid = flat.find((n) => n.name === '永红社区');
  const { booking, sent } = await bookFor(server, admin, { token, slotId: slot.id, gridId: yhGrid.id });
  staff = await staffOf(server, admin, site.id);
  fixtures = {
    user,
    role,
    node: grid,
    template: { id: 'login_code' },
    vaccine: vx.vaccines.vero,
    site,
    staff: staff.staff,
    slot,
    booking,
    link: { id: token },
    code: { id: booking.code, idNumber: sent.idNumber },
  };
  bodyIds = {
    streetId: street.id,
    roleId: roles.find((r) => r.code === 'street_admin').id,
    siteId: site.id,
    vaccineId: vx.vaccines.vero.id,
    gridId: yhGrid.id,
    token,
    slotId: slot.id,
  };
  before0 = await snapshot();
});

after(async () => {
  await server?.stop();
});

async function snapshot() {
  const total = async (p) => {
    const res = await admin.get(p);
    assert.equal(res.status, 200, `${p}: ${res.text}`);
    return res.body.total;
  };
  return {
    users: await total('/api/v1/iam/users?pageSize=1'),
    roles: await total('/api/v1/iam/roles?pageSize=1'),
    nodes: (await admin.get('/api/v1/region/tree')).text.match(/"id":/g).length,
    audit: await total('/api/v1/audit/logs?pageSize=1'),
    loginLogs: await total('/api/v1/iam/login-logs?pageSize=1'),
    sms: await total('/api/v1/notify/sms?pageSize=1'),
    user: (await admin.get(`/api/v1/iam/users/${fixtures.user.id}`)).body,
    role: (await admin.get(`/api/v1/iam/roles/${fixtures.role.id}`)).body,
    node: (await admin.get(`/api/v1/region/nodes/${fixtures.node.id}`)).body,
    me: (await admin.get('/api/v1/auth/me')).body,
    templates: (await admin.get('/api/v1/notify/templates')).body,
    settings: (await admin.get(`${VAX}/settings`)).body,
    vaccines: (await admin.get(`${VAX}/vaccines`)).body,
    sites: (await admin.get(`${VAX}/sites?pageSize=200`)).body,
    staff: (await admin.get(`${VAX}/staff?pageSize=200`)).body,
    slots: await total(`${VAX}/slots?pageSize=1`),
    slot: (await admin.get(`${VAX}/slots/${fixtures.slot.id}`)).body,
    bookings: await total(`${VAX}/bookings?pageSize=1`),
    booking: (await admin.get(`${VAX}/bookings/${fixtures.booking.id}`)).body,
    links: (await admin.get(`${VAX}/links`)).body,
    staffMe: (await staff.get('/api/v1/site/me')).body,
  };
}

/** Write routes that read a JSON body, with the path filled with fixture ids. */
function bodyRoutes() {
  return entries
    .filter((r) => (r.method === 'POST' || r.method === 'PUT') && typeof r.body === 'function')
    .map((r) => {
      const values = {};
      let target = {};
      for (const [name, kind] of Object.entries(r.params || {})) {
        target = fixtures[kind];
        values[name] = target.id;
      }
      return { ...r, url: fillPath(r.path, values), sample: () => r.body(bodyIds, target) };
    });
}

test('every POST/PUT route either reads a JSON body or is known to take none', () => {
  const writes = entries.filter((r) => r.method === 'POST' || r.method === 'PUT');
  const unknown = writes.filter((r) => r.body === undefined).map((r) => r.key);
  assert.ok(writes.filter((r) => r.raw).every((r) => r.body === null), 'file uploads take no JSON body');
  assert.deepEqual(unknown, [], 'POST/PUT routes without a sample body in lib/routes.mjs');
  assert.ok(bodyRoutes().length >= 20);
});

test('malformed JSON → 400 malformed_json', async () => {
  const failures = [];
  for (const r of bodyRoutes()) {
    for (const raw of ['{"name": ', '{name: 1}', "{'a': 1}", '{"a":1}}', '\u00ff\u00fe', 'true false']) {
      const res = await clientFor(r).request(r.method, r.url, raw);
      if (res.status !== 400 || res.body?.code !== 'malformed_json') failures.push(`${r.key} ${JSON.stringify(raw)} → ${res.status} ${res.text.slice(0, 120)}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('deeply nested JSON, invalid UTF-8 and NUL bytes are refused with 400, and the server stays up', async () => {
  const anon = server.client();
  const deepObject = await anon.post('/api/v1/auth/login', '{"a":'.repeat(6000) + '1' + '}'.repeat(6000));
  expectProblem(assert, deepObject, 422, 'validation_failed', 'a deep but valid object lacks the fields');
  const cases = [
    '['.repeat(30000) + ']'.repeat(30000),
    Buffer.from('{"username":"\xff\xfe","password":"x","captcha":"test"}', 'latin1'),
    Buffer.from('{"username":"ad\u0000min","password":"Fangyi2026","captcha":"test"}'),
  ];
  for (const raw of cases) {
    const res = await anon.post('/api/v1/auth/login', raw);
    expectProblem(assert, res, 400, 'malformed_json', String(raw).slice(0, 20));
    assert.equal(anon.cookie, null);
  }
  const nested = await admin.post('/api/v1/region/nodes', { parentId: bodyIds.streetId, name: { deep: [[[[[]]]]] }, kind: 'community' });
  expectProblem(assert, nested, 422);
  assert.deepEqual(errorFields(nested), ['name']);
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
});

test('JSON that is not an object (array, string, number, null) → 400', async () => {
  const failures = [];
  for (const r of bodyRoutes()) {
    for (const raw of ['[]', JSON.stringify([r.sample()]), '"text"', '42', 'null']) {
      const res = await clientFor(r).request(r.method, r.url, raw);
      if (res.status !== 400) failures.push(`${r.key} ${raw.slice(0, 30)} → ${res.status} ${res.text.slice(0, 120)}`);
      else expectProblem(assert, res, 400, undefined, r.key);
    }
    if (r.optionalBody) continue; // an empty body is a valid request there
    const empty = await clientFor(r).request(r.method, r.url, '');
    if (empty.status !== 400) failures.push(`${r.key} empty body → ${empty.status} ${empty.text.slice(0, 120)}`);
  }
  assert.deepEqual(failures, []);
});

test('a body larger than 64 KiB → 413 body_too_large', async () => {
  const failures = [];
  for (const r of bodyRoutes()) {
    const big = JSON.stringify({ ...r.sample(), padding: 'x'.repeat(70 * 1024) });
    const res = await clientFor(r).request(r.method, r.url, big);
    if (res.status !== 413 || res.body?.code !== 'body_too_large') failures.push(`${r.key} → ${res.status} ${res.text.slice(0, 120)}`);
  }
  // Also for routes that take no body, and before any sign-in.
  const res = await server.client().post('/api/v1/auth/login', 'x'.repeat(65 * 1024 + 1));
  expectProblem(assert, res, 413, 'body_too_large');
  assert.deepEqual(failures, []);
});

test('each required field missing → 422 naming it', async () => {
  const failures = [];
  for (const r of bodyRoutes()) {
    assert.ok(Array.isArray(r.required), `${r.key}: required fields listed in lib/routes.mjs`);
    for (const field of r.required) {
      for (const variant of ['absent', 'null', 'blank']) {
        const body = r.sample();
        if (variant === 'absent') delete body[field];
        else if (variant === 'null') body[field] = null;
        else if (typeof body[field] === 'string') body[field] = '   ';
        else continue;
        const res = await clientFor(r).request(r.method, r.url, body);
        if (res.status !== 422 || !errorFields(res).includes(field))
          failures.push(`${r.key} without ${field} (${variant}) → ${res.status} ${res.text.slice(0, 160)}`);
      }
    }
    // Everything missing at once: every required field is named in one answer.
    if (r.required.length) {
      const res = await clientFor(r).request(r.method, r.url, {});
      const named = errorFields(res);
      const absent = r.required.filter((f) => !named.includes(f));
      if (res.status !== 422 || absent.length) failures.push(`${r.key} {} → ${res.status}, not named: ${absent}`);
    }
  }
  assert.deepEqual(failures, []);
});

function wrongValues(v) {
  if (typeof v === 'number') return ['12', 1.5, true, [1], { n: 1 }];
  if (typeof v === 'string') return [12345, true, ['x'], { s: 'x' }];
  if (typeof v === 'boolean') return ['true', 1, 'yes', [true]];
  if (Array.isArray(v)) return ['x', 5, { a: 1 }, typeof v[0] === 'number' ? ['1'] : [1], typeof v[0] === 'number' ? [0] : [null]];
  return [];
}

test('wrong types (string for integer, number for string, ...) → 422 naming the field', async () => {
  const failures = [];
  let checked = 0;
  for (const r of bodyRoutes()) {
    const sample = r.sample();
    for (const field of Object.keys(sample)) {
      for (const wrong of wrongValues(sample[field])) {
        const res = await clientFor(r).request(r.method, r.url, { ...r.sample(), [field]: wrong });
        checked++;
        if (res.status !== 422 || !errorFields(res).includes(field))
          failures.push(`${r.key} ${field}=${JSON.stringify(wrong)} → ${res.status} ${res.text.slice(0, 160)}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(checked > 100, `checked ${checked}`);
});

test('out-of-range numbers and ids → 422 naming the field', async () => {
  const cases = [
    ['POST', '/api/v1/region/nodes', { parentId: 0, name: uniq('x') }, 'parentId'],
    ['POST', '/api/v1/region/nodes', { parentId: -5, name: uniq('x') }, 'parentId'],
    ['POST', '/api/v1/region/nodes', { parentId: bodyIds.streetId, name: uniq('x'), kind: 'community', population: -1 }, 'population'],
    ['POST', '/api/v1/region/nodes', { parentId: bodyIds.streetId, name: uniq('x'), kind: 'community', population: 1e12 }, 'population'],
    ['POST', '/api/v1/region/nodes', { parentId: bodyIds.streetId, name: 'x'.repeat(51), kind: 'community' }, 'name'],
    ['POST', '/api/v1/iam/users', { username: uniq('x'), regionId: 0, password: 'Init1234a' }, 'regionId'],
    ['POST', '/api/v1/iam/users', { username: uniq('x'), regionId: bodyIds.streetId, roleIds: [-1], password: 'Init1234a' }, 'roleIds'],
    ['POST', '/api/v1/iam/users', { username: uniq('x'), regionId: bodyIds.streetId, roleIds: Array.from({ length: 21 }, (_, i) => i + 1), password: 'Init1234a' }, 'roleIds'],
    ['POST', '/api/v1/iam/users', { username: 'x'.repeat(51), regionId: bodyIds.streetId, password: 'Init1234a' }, 'username'],
    ['POST', '/api/v1/test/clock', { offsetMs: 1e15 }, 'offsetMs'],
  ];
  const failures = [];
  for (const [m, p, body, field] of cases) {
    const res = await admin.request(m, p, body);
    if (res.status !== 422 || !errorFields(res).includes(field)) failures.push(`${m} ${p} ${field} → ${res.status} ${res.text.slice(0, 160)}`);
  }
  assert.deepEqual(failures, []);
});

test('unknown or malformed ids in the path → 404', async () => {
  const failures = [];
  for (const r of entries.filter((e) => e.params)) {
    const [name, kind] = Object.entries(r.params)[0];
    const target = fixtures[kind];
    const bad = kind === 'template' ? ['nope_nope', 'NOPE', '123', 'login-code'] : ['999999', '0', '-1', 'abc', '1.5', '99999999999999999999', '1e3'];
    for (const v of bad) {
      const body = typeof r.body === 'function' ? r.body(bodyIds, target) : undefined;
      const res = await clientFor(r).request(r.method, r.path.replace(`{${name}}`, encodeURIComponent(v)), body);
      if (res.status !== 404) failures.push(`${r.method} ${r.path} with ${v} → ${res.status} ${res.text.slice(0, 120)}`);
      else if (!/problem\+json/.test(res.headers.get('content-type') || '')) failures.push(`${r.key} with ${v}: 404 is not problem JSON`);
    }
  }
  for (const p of ['/api/v1/iam/users/1/bogus', '/api/v1/iam/users//status', '/api/v1/region/nodes/1/2']) {
    const res = await admin.get(p);
    if (res.status !== 404) failures.push(`GET ${p} → ${res.status}`);
  }
  assert.deepEqual(failures, []);
});

test('bad query parameters on list routes → 400 naming the parameter', async () => {
  const failures = [];
  const lists = entries.filter((e) => e.list);
  assert.ok(lists.length >= 6);
  for (const r of lists) {
    const cases = [];
    if (r.list.paged) {
      for (const v of ['0', '-1', 'abc', '1.5', '1000001', '99999999999999999999']) cases.push(['page', v]);
      for (const v of ['0', '1000', '201', 'ten', '-5']) cases.push(['pageSize', v]);
    }
    for (const p of r.list.ints || []) for (const v of ['abc', '1.5', '12x']) cases.push([p, v]);
    for (const p of r.list.bools || []) for (const v of ['maybe', 'yes', '2']) cases.push([p, v]);
    for (const p of r.list.dates || []) for (const v of ['2026-13-40', '2026-00-10', '2026-01-32', '2026-1-5', '20260105', 'today']) cases.push([p, v]);
    for (const [p] of Object.entries(r.list.enums || {})) cases.push([p, 'bogus']);
    for (const [param, value] of cases) {
      const res = await admin.get(`${r.path}?${param}=${encodeURIComponent(value)}`);
      if (res.status !== 400 || !errorFields(res).includes(param))
        failures.push(`${r.key}?${param}=${value} → ${res.status} ${res.text.slice(0, 140)}`);
    }
    // ...while good values are accepted (an export is not called: it would write an audit row).
    if (r.audited) continue;
    const good = await admin.get(`${r.path}?page=1&pageSize=200`);
    if (good.status !== 200) failures.push(`${r.key}?page=1&pageSize=200 → ${good.status}`);
  }
  assert.deepEqual(failures, []);
});

test('dates that do not exist on the calendar (2026-02-30, 2026-04-31) → 400 naming the parameter', async () => {
  const failures = [];
  for (const r of entries.filter((e) => e.list?.dates)) {
    for (const p of r.list.dates) {
      for (const v of ['2026-02-30', '2026-04-31', '2025-02-29']) {
        const res = await admin.get(`${r.path}?${p}=${v}`);
        if (res.status !== 400 || !errorFields(res).includes(p)) failures.push(`${r.key}?${p}=${v} → ${res.status}`);
      }
    }
  }
  assert.deepEqual(failures, []);
});

test('valid dates and filters are accepted', async () => {
  for (const p of ['/api/v1/audit/logs?from=2026-01-01&to=2026-12-31', '/api/v1/iam/login-logs?from=2024-02-29&success=true', '/api/v1/iam/users?enabled=false', '/api/v1/notify/sms?status=sent']) {
    const res = await admin.get(p);
    assert.equal(res.status, 200, `${p}: ${res.text}`);
  }
});

test('after all of the above the database is unchanged', async () => {
  const now = await snapshot();
  assert.deepEqual(now, before0);
});
