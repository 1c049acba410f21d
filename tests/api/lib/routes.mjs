// What the suite knows about every route `fangyi routes` prints: which record a path
// parameter names, a valid sample body, the required fields, and the query parameters of
// list routes. scope.test.mjs and bad-input.test.mjs are driven by this table joined with
// the live route list, and both fail when a route is missing here, so a new route gets
// covered (or at least noticed) automatically.
import { DEMO_PASSWORD, cityDate, randomPhone, uniq } from './harness.mjs';
import { idNumber } from './vax.mjs';

/** Every kind of record a path parameter may name. */
export const KINDS = ['user', 'role', 'node', 'template', 'vaccine', 'site', 'staff', 'slot', 'booking', 'link', 'code'];
/**
 * Kinds that are not region-scoped: city-wide records only city-level accounts change
 * (template, vaccine), and what public routes name by a secret (a link token, a booking code).
 */
export const UNSCOPED = ['template', 'vaccine', 'link', 'code'];

/**
 * params: path parameter -> kind of record (KINDS). Region-scoped kinds: 'user', 'role',
 *   'node' (region node), 'site' (vaccination site), 'staff' (site staff), 'slot', 'booking';
 *   unscoped: 'template', 'vaccine', 'link' (public link token), 'code' (booking code).
 * body(fx, target): a valid body; fx = ids the caller may use ({streetId, roleId, siteId,
 *   vaccineId, gridId, token, slotId}: 永红街道, its demo site, vero, grid 永红社区, the street
 *   link and a slot there), target = the record the path names (for nodes: its level and kind
 *   matter; for codes: {id: code, idNumber}). null = the route takes no JSON body.
 * required: fields whose absence must answer 422 naming the field.
 * list: query parameters of list routes: paged, ints, bools, dates, enums, and filters that
 *   name a record (param -> kind) and so must respect the caller's scope.
 * Public routes (perm "public" in `fangyi routes`) have no region scope; auth: 'staff' marks
 *   the site-staff routes, which need a staff session (cookie fy_staff) rather than an account.
 * street: the {id} must be a street (a grid or district is refused with 422).
 * optionalBody: an empty body is accepted (the JSON fields are optional).
 * audited: a successful call writes an audit row (an export), so it is not called for fun.
 * raw: the body is a file (not JSON).
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

  // ---- vaccination (V1–V15), admin side
  'GET /api/v1/vaccination/settings': {},
  'PUT /api/v1/vaccination/settings': {
    body: () => ({ coverageTarget: 0.44, minAge: 18, maxAge: 120, releaseMinutes: { personal: 60, group: 60, foreign: 60 }, notice: '接种须知', noticeEn: 'Notice' }),
    required: ['coverageTarget', 'minAge', 'maxAge', 'releaseMinutes', 'notice'],
  },
  'GET /api/v1/vaccination/vaccines': { list: { bools: ['enabled'] } },
  'POST /api/v1/vaccination/vaccines': {
    body: () => ({ name: uniq('疫苗'), code: uniq('V'), nameEn: 'Vaccine', manufacturer: '样例厂', doses: 2, rules: [{ doseNo: 2, minDays: 14 }], sortOrder: 5 }),
    required: ['name', 'code', 'doses'],
  },
  'PUT /api/v1/vaccination/vaccines/{id}': {
    params: { id: 'vaccine' },
    body: (fx, target) => ({ name: target.name ?? uniq('疫苗'), code: target.code ?? uniq('V'), doses: target.doses ?? 2, rules: target.rules ?? [], manufacturer: '改' }),
    required: ['name', 'code', 'doses'],
  },
  'POST /api/v1/vaccination/vaccines/{id}/status': { params: { id: 'vaccine' }, body: () => ({ enabled: true }), required: ['enabled'] },
  'GET /api/v1/vaccination/sites': {
    list: { paged: true, ints: ['regionId'], bools: ['enabled'], filters: { regionId: 'node' } },
  },
  'POST /api/v1/vaccination/sites': {
    body: (fx) => ({ streetId: fx.streetId, name: uniq('接种点'), address: '人民路9号' }),
    required: ['streetId', 'name'],
  },
  'PUT /api/v1/vaccination/sites/{id}': {
    params: { id: 'site' },
    body: (fx) => ({ streetId: fx.streetId, name: uniq('接种点'), address: '人民路10号' }),
    required: ['streetId', 'name'],
  },
  'POST /api/v1/vaccination/sites/{id}/status': { params: { id: 'site' }, body: () => ({ enabled: false }), required: ['enabled'] },
  'GET /api/v1/vaccination/staff': {
    list: { paged: true, ints: ['siteId', 'regionId'], filters: { regionId: 'node', siteId: 'site' } },
  },
  'POST /api/v1/vaccination/staff': { body: (fx) => ({ siteId: fx.siteId, name: uniq('护士') }), required: ['siteId', 'name'] },
  'POST /api/v1/vaccination/staff/{id}/passcode': { params: { id: 'staff' }, body: null },
  'POST /api/v1/vaccination/staff/{id}/status': { params: { id: 'staff' }, body: () => ({ enabled: false }), required: ['enabled'] },
  'GET /api/v1/vaccination/slots': {
    list: {
      paged: true,
      ints: ['regionId', 'vaccineId', 'siteId'],
      dates: ['date'],
      enums: { type: ['personal', 'group', 'foreign'], status: ['enabled', 'locked', 'online', 'expired'] },
      filters: { regionId: 'node' },
    },
  },
  'GET /api/v1/vaccination/slots/{id}': { params: { id: 'slot' } },
  'POST /api/v1/vaccination/slots': {
    body: (fx) => ({ type: 'personal', vaccineId: fx.vaccineId, siteId: fx.siteId, date: cityDate(3), startTime: '08:00', endTime: '12:00', quota: 20, remark: '样例' }),
    required: ['type', 'vaccineId', 'siteId', 'date', 'startTime', 'endTime', 'quota'],
  },
  'PUT /api/v1/vaccination/slots/{id}': {
    params: { id: 'slot' },
    body: (fx) => ({ type: 'personal', vaccineId: fx.vaccineId, siteId: fx.siteId, date: cityDate(4), startTime: '09:00', endTime: '12:00', quota: 30, remark: '改' }),
    required: ['type', 'vaccineId', 'siteId', 'date', 'startTime', 'endTime', 'quota'],
  },
  'POST /api/v1/vaccination/slots/{id}/lock': { params: { id: 'slot' }, body: null },
  'POST /api/v1/vaccination/slots/{id}/release': { params: { id: 'slot' }, body: null },
  'POST /api/v1/vaccination/slots/{id}/quota': { params: { id: 'slot' }, body: () => ({ add: 5 }), required: ['add'] },
  'GET /api/v1/vaccination/links': {},
  'POST /api/v1/vaccination/links/{id}/group-token': { params: { id: 'node' }, body: null, street: true },
  'GET /api/v1/vaccination/bookings': {
    list: {
      paged: true,
      ints: ['regionId', 'vaccineId', 'doseNo', 'slotId', 'siteId'],
      bools: ['checkedIn', 'vaccinated'],
      dates: ['from', 'to'],
      enums: { type: ['personal', 'group', 'foreign'], status: ['booked', 'cancelled'] },
      filters: { regionId: 'node' },
    },
  },
  'GET /api/v1/vaccination/bookings/export': {
    audited: true,
    list: {
      ints: ['regionId', 'vaccineId', 'doseNo', 'slotId', 'siteId'],
      bools: ['checkedIn', 'vaccinated'],
      dates: ['from', 'to'],
      enums: { type: ['personal', 'group', 'foreign'], status: ['booked', 'cancelled'] },
      filters: { regionId: 'node' },
    },
  },
  'GET /api/v1/vaccination/bookings/{id}': { params: { id: 'booking' } },
  'POST /api/v1/vaccination/bookings/{id}/reveal': { params: { id: 'booking' }, body: null },
  'PUT /api/v1/vaccination/bookings/{id}': {
    params: { id: 'booking' },
    body: (fx) => ({ name: uniq('改名'), phone: randomPhone('136'), gridId: fx.gridId }),
    required: ['name', 'gridId'], // phone optional: imported and history records may have none
  },
  'POST /api/v1/vaccination/bookings/{id}/grid': { params: { id: 'booking' }, body: (fx) => ({ gridId: fx.gridId }), required: ['gridId'] },
  'POST /api/v1/vaccination/bookings/{id}/cancel': { params: { id: 'booking' }, body: () => ({ reason: '样例取消' }), required: [], optionalBody: true },
  'POST /api/v1/vaccination/bookings/{id}/checkin': { params: { id: 'booking' }, body: null },
  'POST /api/v1/vaccination/bookings/{id}/vaccinate': {
    params: { id: 'booking' },
    body: () => ({ lotNo: 'LOT2026A', vaccinator: '李护士' }),
    required: ['lotNo', 'vaccinator'],
  },
  'POST /api/v1/vaccination/bookings/{id}/not-vaccinated': {
    params: { id: 'booking' },
    body: () => ({ reason: 'refused', note: '本人拒绝' }),
    required: ['reason'],
  },
  'GET /api/v1/vaccination/imports/template': { list: { enums: { kind: ['booking', 'history'], format: ['xlsx', 'csv'] } } },
  'POST /api/v1/vaccination/imports': { body: null, raw: true },
  'GET /api/v1/vaccination/stats/regions': { list: { ints: ['regionId'], filters: { regionId: 'node' } } },
  'GET /api/v1/vaccination/stats/grids': { list: { ints: ['regionId'], filters: { regionId: 'node' } } },
  'GET /api/v1/vaccination/stats/regions/export': { list: { ints: ['regionId'], filters: { regionId: 'node' } } },
  'GET /api/v1/vaccination/stats/grids/export': { list: { ints: ['regionId'], filters: { regionId: 'node' } } },
  'GET /api/v1/vaccination/stats/board': { list: { ints: ['regionId'], filters: { regionId: 'node' } } },
  'GET /api/v1/vaccination/stats/summary': {},

  // ---- vaccination, citizens (public: no sign-in, no region scope)
  'GET /api/v1/public/vaccination/links/{token}': { params: { token: 'link' } },
  'GET /api/v1/public/vaccination/links/{token}/qr.svg': { params: { token: 'link' } },
  'GET /api/v1/public/vaccination/links/{token}/qr.png': { params: { token: 'link' } },
  'POST /api/v1/public/vaccination/eligibility': {
    body: (fx) => ({ token: fx.token, idType: 'id_card', idNumber: idNumber() }),
    required: ['token', 'idNumber'],
  },
  'POST /api/v1/public/vaccination/bookings': {
    body: (fx) => ({
      token: fx.token,
      slotId: fx.slotId,
      doseNo: 1,
      gridId: fx.gridId,
      name: '样例人',
      idType: 'id_card',
      idNumber: idNumber(),
      phone: randomPhone('135'),
      address: '人民路1号',
      consent: true,
    }),
    required: ['token', 'slotId', 'doseNo', 'gridId', 'name', 'idNumber', 'phone'],
  },
  'POST /api/v1/public/vaccination/lookup': { body: () => ({ idNumber: idNumber(), phone: randomPhone('135') }), required: ['idNumber', 'phone'] },
  'POST /api/v1/public/vaccination/bookings/{code}/cancel': {
    params: { code: 'code' },
    body: (fx, target) => ({ idNumber: target.idNumber ?? idNumber() }),
    required: ['idNumber'],
  },
  'POST /api/v1/public/vaccination/bookings/{code}/profile': {
    params: { code: 'code' },
    body: (fx, target) => ({ idNumber: target.idNumber ?? idNumber(), gridId: fx.gridId, phone: randomPhone('135') }),
    required: ['idNumber', 'gridId', 'phone'],
  },
  'GET /api/v1/public/vaccination/bookings/{code}/qr.svg': { params: { code: 'code' } },

  // ---- vaccination, site staff (public routes behind a staff session)
  'POST /api/v1/site/login': { body: () => ({ name: uniq('无此人'), passcode: '0000000000' }), required: ['name', 'passcode'] },
  'POST /api/v1/site/logout': { body: null, destructive: true, auth: 'staff' },
  'GET /api/v1/site/me': { auth: 'staff' },
  'POST /api/v1/site/bookings/search': { body: () => ({ short: '9876' }), required: ['short'], auth: 'staff' },
  'POST /api/v1/site/bookings/{id}/checkin': { params: { id: 'booking' }, body: null, auth: 'staff' },
  'POST /api/v1/site/bookings/{id}/vaccinate': {
    params: { id: 'booking' },
    body: () => ({ lotNo: 'LOT2026B', vaccinator: '王护士' }),
    required: ['lotNo', 'vaccinator'],
    auth: 'staff',
  },
  'POST /api/v1/site/bookings/{id}/not-vaccinated': {
    params: { id: 'booking' },
    body: () => ({ reason: 'absent' }),
    required: ['reason'],
    auth: 'staff',
  },
  'POST /api/v1/test/vaccination/jobs': { body: null },
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
