// What the suite knows about every route `fangyi routes` prints: which record a path
// parameter names, a valid sample body, the required fields, and the query parameters of
// list routes. scope.test.mjs and bad-input.test.mjs are driven by this table joined with
// the live route list, and both fail when a route is missing here, so a new route gets
// covered (or at least noticed) automatically.
import { DEMO_PASSWORD, randomPhone, uniq } from './harness.mjs';

/**
 * params: path parameter -> kind of record ('user' | 'role' | 'node' | 'template').
 * body(fx, target): a valid body; fx = ids the caller may use ({streetId, roleId}), target = the
 *   record the path names (for nodes: its level and kind matter). null = the route takes no body.
 * required: fields whose absence must answer 422 naming the field.
 * list: query parameters of list routes: paged, ints, bools, dates, enums, and filters that
 *   name a record (param -> kind) and so must respect the caller's scope.
 */
export const CATALOG = {
  'GET /api/v1/auth/captcha': {},
  'POST /api/v1/auth/login': {
    body: () => ({ username: 'admin', password: DEMO_PASSWORD, captcha: 'test', captchaId: 'none', smsCode: '123456' }),
    required: ['username', 'password', 'captcha'],
  },
  'POST /api/v1/auth/sms-code': {
    body: () => ({ username: uniq('nobody-'), captcha: 'test', captchaId: 'none', purpose: 'login' }),
    required: ['username', 'captcha', 'purpose'],
  },
  'POST /api/v1/auth/password/forgot': {
    body: () => ({ username: uniq('nobody-'), smsCode: '123456', newPassword: 'Newpass123' }),
    required: ['username', 'smsCode', 'newPassword'],
  },
  'POST /api/v1/auth/password': {
    body: () => ({ oldPassword: 'NotTheOld123', newPassword: 'Newpass123' }),
    required: ['oldPassword', 'newPassword'],
  },
  'POST /api/v1/auth/logout': { body: null, destructive: true },
  'GET /api/v1/auth/me': {},
  'GET /api/v1/iam/permissions': {},
  'GET /api/v1/iam/login-logs': {
    list: { paged: true, bools: ['success'], dates: ['from', 'to'] },
  },
  'GET /api/v1/iam/users': {
    list: { paged: true, ints: ['regionId'], bools: ['enabled'], filters: { regionId: 'node' } },
  },
  'GET /api/v1/iam/users/{id}': { params: { id: 'user' } },
  'POST /api/v1/iam/users': {
    body: (fx) => ({
      username: uniq('bi-'),
      nickname: '样例',
      phone: randomPhone('137'),
      email: 'sample@example.cn',
      regionId: fx.streetId,
      roleIds: [fx.roleId],
      password: 'Passw0rd1',
    }),
    required: ['username', 'regionId', 'password'],
  },
  'PUT /api/v1/iam/users/{id}': {
    params: { id: 'user' },
    body: () => ({ nickname: '改名', email: 'changed@example.cn', phone: randomPhone('137') }),
    required: [],
  },
  'DELETE /api/v1/iam/users/{id}': { params: { id: 'user' }, body: null },
  'POST /api/v1/iam/users/{id}/status': { params: { id: 'user' }, body: () => ({ enabled: false }), required: ['enabled'] },
  'POST /api/v1/iam/users/{id}/reset-password': {
    params: { id: 'user' },
    body: () => ({ password: 'Reset1234x' }),
    required: ['password'],
  },
  'PUT /api/v1/iam/users/{id}/roles': { params: { id: 'user' }, body: (fx) => ({ roleIds: [fx.roleId] }), required: ['roleIds'] },
  'POST /api/v1/iam/users/{id}/move': { params: { id: 'user' }, body: (fx) => ({ regionId: fx.streetId }), required: ['regionId'] },
  'POST /api/v1/iam/users/{id}/reveal': { params: { id: 'user' }, body: null },
  'GET /api/v1/iam/roles': { list: { paged: true } },
  'GET /api/v1/iam/roles/{id}': { params: { id: 'role' } },
  'POST /api/v1/iam/roles': {
    body: () => ({ name: uniq('角色'), code: uniq('r_'), remark: '样例', permissions: ['iam:user:list'] }),
    required: ['name', 'code'],
  },
  'PUT /api/v1/iam/roles/{id}': { params: { id: 'role' }, body: () => ({ name: uniq('角色'), remark: '改' }), required: ['name'] },
  'DELETE /api/v1/iam/roles/{id}': { params: { id: 'role' }, body: null },
  'POST /api/v1/iam/roles/{id}/status': { params: { id: 'role' }, body: () => ({ enabled: false }), required: ['enabled'] },
  'PUT /api/v1/iam/roles/{id}/permissions': {
    params: { id: 'role' },
    body: () => ({ permissions: ['iam:user:list', 'region:node:list'] }),
    required: ['permissions'],
  },
  'GET /api/v1/region/tree': {},
  'GET /api/v1/region/nodes': { list: { paged: true, ints: ['parentId'], filters: { parentId: 'node' } } },
  'GET /api/v1/region/nodes/{id}': { params: { id: 'node' } },
  'POST /api/v1/region/nodes': {
    body: (fx) => ({ parentId: fx.streetId, name: uniq('网格'), population: 10, sortOrder: 1, enabled: true, kind: 'community' }),
    required: ['parentId', 'name'],
  },
  'PUT /api/v1/region/nodes/{id}': {
    params: { id: 'node' },
    body: (fx, target) => ({ name: target.name, population: 123, sortOrder: 2, ...(target.kind ? { kind: target.kind } : {}) }),
    required: ['name'],
  },
  'POST /api/v1/region/nodes/{id}/status': { params: { id: 'node' }, body: () => ({ enabled: false }), required: ['enabled'] },
  'POST /api/v1/region/nodes/{id}/move': { params: { id: 'node' }, body: (fx) => ({ parentId: fx.streetId }), required: ['parentId'] },
  'GET /api/v1/region/summary': {},
  'GET /api/v1/audit/logs': {
    list: { paged: true, ints: ['entityId'], dates: ['from', 'to'] },
  },
  'GET /api/v1/notify/sms': { list: { paged: true, enums: { status: ['pending', 'sent', 'failed'] } } },
  'GET /api/v1/notify/templates': {},
  'PUT /api/v1/notify/templates/{code}': {
    params: { code: 'template' },
    body: () => ({ content: '【防疫平台】验证码{code}，5分钟内有效。' }),
    required: ['content'],
  },
  'POST /api/v1/test/clock': { body: () => ({ offsetMs: 0 }), required: ['offsetMs'] },
  'GET /healthz': {},
  'GET /readyz': {},
  'GET /metrics': {},
};

/** Joins the live route list with the catalogue; throws listing routes the catalogue lacks. */
export function catalogued(routes) {
  const missing = routes.filter((r) => !(r.key in CATALOG)).map((r) => r.key);
  return { missing, entries: routes.filter((r) => r.key in CATALOG).map((r) => ({ ...r, ...CATALOG[r.key] })) };
}

/** Fills the path parameters of a route pattern: values = {id: 5} or {code: 'login_code'}. */
export function fillPath(pattern, values) {
  return pattern.replace(/\{([^}]+)\}/g, (_, name) => {
    if (!(name in values)) throw new Error(`no value for {${name}} in ${pattern}`);
    return encodeURIComponent(String(values[name]));
  });
}
