// In-memory mock of the Fangyi /api/v1 contract, for front-end development and
// screenshots without the C++ server. Also serves ../dist like the real server.
//   node mock/server.mjs            (listens on 127.0.0.1:18080; PORT=... to change)
//   FANGYI_API=http://127.0.0.1:18080 npm run dev
// Demo accounts: admin / Admin1234 ; newbie / Admin1234 (must change password) ;
// sms / Admin1234 (asks for an SMS code: 123456). Captcha is always 1234.
import http from 'node:http'
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { fileURLToPath } from 'node:url'

const DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const PORT = Number(process.env.PORT ?? 18080)
const now = () => Date.now()

// ---------- data ----------
let seq = 1000
const nextId = () => ++seq
const ALL_PERMS = [
  'iam:user:list', 'iam:user:create', 'iam:user:update', 'iam:user:delete', 'iam:user:status',
  'iam:user:reset-password', 'iam:user:grant', 'iam:user:move', 'pii:phone:reveal',
  'iam:role:list', 'iam:role:create', 'iam:role:update', 'iam:role:delete', 'iam:role:status',
  'iam:role:grant', 'region:node:list', 'region:node:create', 'region:node:update',
  'region:node:status', 'region:node:move', 'iam:login-log:list', 'audit:log:list',
  'notify:sms:list', 'notify:template:update',
]
const CATALOG = [
  { key: 'iam', title: '权限', titleEn: 'Access', children: [
    { code: 'iam:user:list', title: '用户管理', titleEn: 'Users', buttons: [
      { code: 'iam:user:create', title: '新增', titleEn: 'Create' },
      { code: 'iam:user:update', title: '编辑', titleEn: 'Edit' },
      { code: 'iam:user:delete', title: '删除', titleEn: 'Delete' },
      { code: 'iam:user:status', title: '状态', titleEn: 'Status' },
      { code: 'iam:user:reset-password', title: '重置密码', titleEn: 'Reset password' },
      { code: 'iam:user:grant', title: '授权', titleEn: 'Grant' },
      { code: 'iam:user:move', title: '移动', titleEn: 'Move' },
      { code: 'pii:phone:reveal', title: '显示手机号', titleEn: 'Reveal phone' } ] },
    { code: 'iam:role:list', title: '角色管理', titleEn: 'Roles', buttons: [
      { code: 'iam:role:create', title: '新增', titleEn: 'Create' },
      { code: 'iam:role:update', title: '编辑', titleEn: 'Edit' },
      { code: 'iam:role:delete', title: '删除', titleEn: 'Delete' },
      { code: 'iam:role:status', title: '状态', titleEn: 'Status' },
      { code: 'iam:role:grant', title: '授权', titleEn: 'Grant' } ] },
    { code: 'iam:login-log:list', title: '登录日志', titleEn: 'Login log', buttons: [] },
    { code: 'audit:log:list', title: '操作日志', titleEn: 'Audit log', buttons: [] } ] },
  { key: 'region', title: '地区', titleEn: 'Regions', children: [
    { code: 'region:node:list', title: '地区管理', titleEn: 'Regions', buttons: [
      { code: 'region:node:create', title: '新增', titleEn: 'Create' },
      { code: 'region:node:update', title: '编辑', titleEn: 'Edit' },
      { code: 'region:node:status', title: '状态', titleEn: 'Status' },
      { code: 'region:node:move', title: '移动', titleEn: 'Move' } ] } ] },
  { key: 'notify', title: '通知', titleEn: 'Notify', children: [
    { code: 'notify:sms:list', title: '短信通知', titleEn: 'SMS', buttons: [
      { code: 'notify:template:update', title: '修改模板', titleEn: 'Edit template' } ] } ] },
]
const MENUS = [
  { key: 'iam', title: '权限', titleEn: 'Access', icon: 'Lock', children: [
    { key: 'users', title: '用户管理', titleEn: 'Users', path: '/system/users', perm: 'iam:user:list' },
    { key: 'roles', title: '角色管理', titleEn: 'Roles', path: '/system/roles', perm: 'iam:role:list' },
    { key: 'login-logs', title: '登录日志', titleEn: 'Login log', path: '/system/login-logs', perm: 'iam:login-log:list' },
    { key: 'audit-logs', title: '操作日志', titleEn: 'Audit log', path: '/system/audit-logs', perm: 'audit:log:list' } ] },
  { key: 'region', title: '地区', titleEn: 'Regions', icon: 'Location', children: [
    { key: 'regions', title: '地区管理', titleEn: 'Regions', path: '/region/nodes', perm: 'region:node:list' } ] },
  { key: 'notify', title: '通知', titleEn: 'Notify', icon: 'Message', children: [
    { key: 'sms', title: '短信通知', titleEn: 'SMS', path: '/notify/sms', perm: 'notify:sms:list' } ] },
]

const regions = []
const addRegion = (parentId, name, level, extra = {}) => {
  const n = { id: nextId(), parentId, name, level, kind: null, population: 0, sortOrder: regions.length,
    enabled: true, linkToken: level === 2 || level === 3 ? crypto.randomBytes(6).toString('hex') : null, ...extra }
  regions.push(n)
  return n
}
const city = addRegion(null, '示范市', 1, { population: 3200000 })
for (const [d, streets] of [['东城区', ['和平街道', '建设街道']], ['西城区', ['解放街道']], ['南郊区', ['城关镇']]]) {
  const dn = addRegion(city.id, d, 2, { population: 800000 })
  for (const s of streets) {
    const sn = addRegion(dn.id, s, 3, { population: 60000 })
    addRegion(sn.id, `${s.slice(0, 2)}第一社区`, 4, { kind: 'community', population: 8000 })
    addRegion(sn.id, `${s.slice(0, 2)}第二网格`, 4, { kind: 'village', population: 3000 })
  }
}
const roles = [
  { id: nextId(), name: '超级管理员', code: 'admin', remark: '全部权限', enabled: true, permissions: [...ALL_PERMS], createdAt: now() - 86400e3 * 30 },
  { id: nextId(), name: '街道管理员', code: 'street_admin', remark: '管理本街道', enabled: true, permissions: ['iam:user:list', 'region:node:list'], createdAt: now() - 86400e3 * 10 },
  { id: nextId(), name: '网格员', code: 'grid_worker', remark: '', enabled: false, permissions: [], createdAt: now() - 86400e3 },
]
const pw = {}
const users = []
const addUser = (username, nickname, phone, regionId, roleIds, extra = {}) => {
  const u = { id: nextId(), username, nickname, phone, email: `${username}@example.com`, regionId, roleIds,
    enabled: true, mustChangePassword: false, createdAt: now() - 3600e3 * users.length, ...extra }
  users.push(u)
  pw[username] = 'Admin1234'
  return u
}
addUser('admin', '系统管理员', '13800000001', city.id, [roles[0].id])
addUser('newbie', '新同事', '13800000002', city.id, [roles[0].id], { mustChangePassword: true })
addUser('sms', '短信验证', '13800000003', city.id, [roles[0].id])
for (let i = 0; i < 23; i++) {
  const r = regions.filter((x) => x.level === 3)[i % 4]
  addUser(`worker${i + 1}`, `工作人员${i + 1}`, `139${String(10000000 + i * 7919).slice(0, 8)}`, r.id, [roles[1].id], { enabled: i % 5 !== 0 })
}
const loginLogs = []
const audit = []
const outbox = []
const templates = [
  { code: 'login_code', name: '登录验证码', content: '【防疫】您的登录验证码为 {code}，5 分钟内有效。', updatedAt: now() - 86400e3 },
  { code: 'reset_code', name: '找回密码验证码', content: '【防疫】您正在找回密码，验证码 {code}。', updatedAt: now() - 86400e3 },
]
for (let i = 0; i < 14; i++) outbox.push({ id: nextId(), phone: '138****0001', template: 'login_code', content: '【防疫】您的登录验证码为 123456，5 分钟内有效。', status: ['sent', 'pending', 'failed'][i % 3], attempts: 1 + (i % 3), createdAt: now() - i * 600e3, sentAt: i % 3 === 0 ? now() - i * 600e3 + 2000 : null })
for (let i = 0; i < 18; i++) loginLogs.push({ id: nextId(), username: i % 4 ? 'admin' : 'worker1', ip: `10.0.0.${i + 2}`, success: i % 4 !== 0, reason: i % 4 ? null : 'invalid_credentials', createdAt: now() - i * 3600e3 })

// ---------- helpers ----------
const sessions = new Map() // sid -> {userId, csrf}
const mask = (p) => (p && p.length >= 7 ? `${p.slice(0, 3)}****${p.slice(-4)}` : p)
const regionName = (id) => regions.find((r) => r.id === id)?.name ?? ''
const subtree = (id) => {
  const out = new Set([id])
  let grew = true
  while (grew) { grew = false; for (const r of regions) if (r.parentId !== null && out.has(r.parentId) && !out.has(r.id)) { out.add(r.id); grew = true } }
  return out
}
const userView = (u) => ({ id: u.id, username: u.username, nickname: u.nickname, phone: mask(u.phone), email: u.email,
  regionId: u.regionId, regionName: regionName(u.regionId), roles: roles.filter((r) => u.roleIds.includes(r.id)).map((r) => ({ id: r.id, name: r.name })),
  enabled: u.enabled, mustChangePassword: u.mustChangePassword, createdAt: u.createdAt })
const page = (arr, q) => {
  const p = Math.max(1, Number(q.get('page') ?? 1)); const s = Math.max(1, Number(q.get('pageSize') ?? 10))
  return { items: arr.slice((p - 1) * s, p * s), total: arr.length }
}
const problem = (res, status, code, detail, errors) => send(res, status, { type: 'about:blank', title: code, status, code, detail, errors: errors ?? [] })
function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
  res.end(status === 204 ? undefined : JSON.stringify(body))
}
const log = (s, action, entity, entityId, summary, before, after) => {
  const u = users.find((x) => x.id === s?.userId)
  audit.unshift({ id: nextId(), createdAt: now(), actorId: u?.id ?? null, actorName: u?.nickname ?? '', ip: '127.0.0.1', action, entity, entityId, summary, before, after })
}
const treeOf = (parentId) => regions.filter((r) => r.parentId === parentId).sort((a, b) => a.sortOrder - b.sortOrder)
  .map((r) => ({ ...r, children: treeOf(r.id) }))

// ---------- routes ----------
async function api(req, res, url) {
  const p = url.pathname.replace('/api/v1', '')
  const q = url.searchParams
  const m = req.method
  let body = {}
  if (m !== 'GET') {
    const chunks = []; for await (const c of req) chunks.push(c)
    try { body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {} } catch { return problem(res, 400, 'bad_json', '请求格式错误') }
  }
  const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
  const s = sid ? sessions.get(sid) : null
  const me = s ? users.find((u) => u.id === s.userId) : null

  if (p === '/auth/captcha' && m === 'GET') {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#eef"/><text x="22" y="29" font-size="24" font-family="monospace" fill="#336">1234</text></svg>`
    return send(res, 200, { captchaId: crypto.randomUUID(), image: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` })
  }
  if (p === '/auth/login' && m === 'POST') {
    if (body.captcha !== '1234') return problem(res, 400, 'captcha_invalid', '验证码错误', [{ field: 'captcha', code: 'invalid', message: '验证码错误' }])
    const u = users.find((x) => x.username === body.username || x.phone === body.username)
    const ok = u && pw[u.username] === body.password
    loginLogs.unshift({ id: nextId(), username: body.username, ip: '127.0.0.1', success: !!ok, reason: ok ? null : 'invalid_credentials', createdAt: now() })
    if (!ok) return problem(res, 401, 'invalid_credentials', '帐号或密码错误')
    if (!u.enabled) return problem(res, 403, 'account_disabled', '帐号已停用')
    if (u.username === 'sms' && !body.smsCode) return problem(res, 401, 'sms_code_required', '需要短信验证码')
    if (u.username === 'sms' && body.smsCode !== '123456') return problem(res, 401, 'sms_code_invalid', '短信验证码错误')
    const nsid = crypto.randomBytes(16).toString('hex'); const csrf = crypto.randomBytes(16).toString('hex')
    sessions.set(nsid, { userId: u.id, csrf })
    return send(res, 200, { user: userView(u), mustChangePassword: u.mustChangePassword, csrfToken: csrf }, { 'Set-Cookie': `sid=${nsid}; Path=/; HttpOnly; SameSite=Lax` })
  }
  if (p === '/auth/sms-code' && m === 'POST') {
    if (body.captcha !== '1234') return problem(res, 400, 'captcha_invalid', '验证码错误')
    outbox.unshift({ id: nextId(), phone: '138****0003', template: body.purpose === 'reset' ? 'reset_code' : 'login_code', content: '验证码 123456', status: 'sent', attempts: 1, createdAt: now(), sentAt: now() })
    return send(res, 202, { sent: true })
  }
  if (p === '/auth/password/forgot' && m === 'POST') {
    if (body.smsCode !== '123456') return problem(res, 400, 'sms_code_invalid', '短信验证码错误', [{ field: 'smsCode', code: 'invalid', message: '短信验证码错误' }])
    const u = users.find((x) => x.username === body.username); if (u) pw[u.username] = body.newPassword
    return send(res, 204)
  }
  if (!me) return problem(res, 401, 'unauthenticated', '请先登录')
  if (m !== 'GET' && req.headers['x-csrf-token'] !== s.csrf) return problem(res, 403, 'csrf_invalid', 'CSRF 校验失败')

  if (p === '/auth/me' && m === 'GET') return send(res, 200, { user: { ...userView(me), phone: mask(me.phone) }, permissions: ALL_PERMS, menus: MENUS, csrfToken: s.csrf })
  if (p === '/auth/logout' && m === 'POST') { sessions.delete(sid); return send(res, 204) }
  if (p === '/auth/password' && m === 'POST') {
    if (pw[me.username] !== body.oldPassword) return problem(res, 400, 'invalid_credentials', '原密码错误', [{ field: 'oldPassword', code: 'invalid', message: '原密码错误' }])
    pw[me.username] = body.newPassword; me.mustChangePassword = false
    return send(res, 204)
  }
  if (p === '/iam/permissions') return send(res, 200, { items: CATALOG })
  if (p === '/region/summary') {
    return send(res, 200, { districts: regions.filter((r) => r.level === 2).length, streets: regions.filter((r) => r.level === 3).length,
      grids: regions.filter((r) => r.level === 4).length, population: regions.filter((r) => r.level === 4).reduce((a, r) => a + r.population, 0), users: users.length })
  }
  if (p === '/region/tree') return send(res, 200, { items: treeOf(null) })
  if (p === '/region/nodes' && m === 'GET') {
    const pid = Number(q.get('parentId')); const kw = q.get('keyword') ?? ''
    return send(res, 200, page(regions.filter((r) => r.parentId === pid && r.name.includes(kw)).sort((a, b) => a.sortOrder - b.sortOrder), q))
  }
  if (p === '/region/nodes' && m === 'POST') {
    const parent = regions.find((r) => r.id === body.parentId)
    if (!parent) return problem(res, 400, 'validation_failed', '上级不存在', [{ field: 'parentId', code: 'not_found', message: '上级不存在' }])
    if (!body.name) return problem(res, 400, 'validation_failed', '名称必填', [{ field: 'name', code: 'required', message: '名称必填' }])
    if (regions.some((r) => r.parentId === parent.id && r.name === body.name)) return problem(res, 409, 'duplicate', '同级已存在同名地区', [{ field: 'name', code: 'duplicate', message: '同级已存在同名地区' }])
    const n = addRegion(parent.id, body.name, parent.level + 1, { population: body.population ?? 0, sortOrder: body.sortOrder ?? 0, enabled: body.enabled ?? true, kind: body.kind ?? null })
    log(s, 'create', 'region_node', n.id, `新增地区 ${n.name}`, null, n)
    return send(res, 201, n)
  }
  let mm
  if ((mm = /^\/region\/nodes\/(\d+)(\/\w+)?$/.exec(p))) {
    const n = regions.find((r) => r.id === Number(mm[1])); if (!n) return problem(res, 404, 'not_found', '地区不存在')
    const before = { ...n }
    if (!mm[2] && m === 'GET') return send(res, 200, n)
    if (!mm[2] && m === 'PUT') { Object.assign(n, { name: body.name, population: body.population, sortOrder: body.sortOrder, ...(body.kind ? { kind: body.kind } : {}) }); log(s, 'update', 'region_node', n.id, `修改地区 ${n.name}`, before, { ...n }); return send(res, 200, n) }
    if (mm[2] === '/status') { n.enabled = !!body.enabled; log(s, 'status', 'region_node', n.id, `${n.enabled ? '启用' : '停用'}地区 ${n.name}`, { enabled: before.enabled }, { enabled: n.enabled }); return send(res, 204) }
    if (mm[2] === '/move') { n.parentId = body.parentId; log(s, 'move', 'region_node', n.id, `移动地区 ${n.name}`, { parentId: before.parentId }, { parentId: n.parentId }); return send(res, 204) }
  }
  if (p === '/iam/users' && m === 'GET') {
    let list = users
    if (q.get('regionId')) { const set = subtree(Number(q.get('regionId'))); list = list.filter((u) => set.has(u.regionId)) }
    const kw = q.get('keyword'); if (kw) list = list.filter((u) => u.username.includes(kw) || u.nickname.includes(kw) || u.phone.includes(kw))
    if (q.get('enabled')) list = list.filter((u) => String(u.enabled) === q.get('enabled'))
    return send(res, 200, page(list.map(userView), q))
  }
  if (p === '/iam/users' && m === 'POST') {
    const errors = []
    if (!body.username) errors.push({ field: 'username', code: 'required', message: '帐号必填' })
    if (users.some((u) => u.username === body.username)) errors.push({ field: 'username', code: 'duplicate', message: '帐号已存在' })
    if (errors.length) return problem(res, 400, 'validation_failed', errors[0].message, errors)
    const u = addUser(body.username, body.nickname, body.phone ?? '', body.regionId, body.roleIds ?? [], { email: body.email ?? '', mustChangePassword: true })
    pw[u.username] = body.password
    log(s, 'create', 'iam_user', u.id, `新增用户 ${u.username}`, null, userView(u))
    return send(res, 201, userView(u))
  }
  if ((mm = /^\/iam\/users\/(\d+)(\/[\w-]+)?$/.exec(p))) {
    const u = users.find((x) => x.id === Number(mm[1])); if (!u) return problem(res, 404, 'not_found', '用户不存在')
    const before = userView(u)
    if (!mm[2] && m === 'GET') return send(res, 200, userView(u))
    if (!mm[2] && m === 'PUT') { if (body.phone !== undefined) u.phone = body.phone; Object.assign(u, { nickname: body.nickname, email: body.email }); log(s, 'update', 'iam_user', u.id, `修改用户 ${u.username}`, before, userView(u)); return send(res, 200, userView(u)) }
    if (!mm[2] && m === 'DELETE') { users.splice(users.indexOf(u), 1); log(s, 'delete', 'iam_user', u.id, `删除用户 ${u.username}`, before, null); return send(res, 204) }
    if (mm[2] === '/status') { u.enabled = !!body.enabled; log(s, 'status', 'iam_user', u.id, `${u.enabled ? '启用' : '停用'}用户 ${u.username}`, { enabled: before.enabled }, { enabled: u.enabled }); return send(res, 204) }
    if (mm[2] === '/reset-password') { pw[u.username] = body.password; u.mustChangePassword = true; log(s, 'reset_password', 'iam_user', u.id, `重置密码 ${u.username}`, null, null); return send(res, 204) }
    if (mm[2] === '/roles') { u.roleIds = body.roleIds ?? []; log(s, 'grant', 'iam_user', u.id, `授权 ${u.username}`, { roles: before.roles.map((r) => r.name) }, { roles: userView(u).roles.map((r) => r.name) }); return send(res, 204) }
    if (mm[2] === '/move') { u.regionId = body.regionId; log(s, 'move', 'iam_user', u.id, `移动用户 ${u.username}`, { regionId: before.regionId }, { regionId: u.regionId }); return send(res, 204) }
    if (mm[2] === '/reveal') { log(s, 'reveal', 'iam_user', u.id, `查看手机号 ${u.username}`, null, null); return send(res, 200, { phone: u.phone }) }
  }
  if (p === '/iam/roles' && m === 'GET') { const kw = q.get('keyword') ?? ''; return send(res, 200, page(roles.filter((r) => r.name.includes(kw) || r.code.includes(kw)), q)) }
  if (p === '/iam/roles' && m === 'POST') {
    if (roles.some((r) => r.code === body.code)) return problem(res, 409, 'duplicate', '标识已存在', [{ field: 'code', code: 'duplicate', message: '标识已存在' }])
    const r = { id: nextId(), name: body.name, code: body.code, remark: body.remark ?? '', enabled: true, permissions: [], createdAt: now() }
    roles.push(r); log(s, 'create', 'iam_role', r.id, `新增角色 ${r.name}`, null, r); return send(res, 201, r)
  }
  if ((mm = /^\/iam\/roles\/(\d+)(\/\w+)?$/.exec(p))) {
    const r = roles.find((x) => x.id === Number(mm[1])); if (!r) return problem(res, 404, 'not_found', '角色不存在')
    const before = { ...r }
    if (!mm[2] && m === 'PUT') { Object.assign(r, { name: body.name, remark: body.remark }); log(s, 'update', 'iam_role', r.id, `修改角色 ${r.name}`, before, { ...r }); return send(res, 200, r) }
    if (!mm[2] && m === 'DELETE') { roles.splice(roles.indexOf(r), 1); log(s, 'delete', 'iam_role', r.id, `删除角色 ${r.name}`, before, null); return send(res, 204) }
    if (mm[2] === '/status') { r.enabled = !!body.enabled; return send(res, 204) }
    if (mm[2] === '/permissions') { r.permissions = body.permissions ?? []; log(s, 'grant', 'iam_role', r.id, `角色授权 ${r.name}`, { permissions: before.permissions }, { permissions: r.permissions }); return send(res, 204) }
  }
  const inRange = (x) => (!q.get('from') || x.createdAt >= Date.parse(q.get('from') + 'T00:00:00+08:00')) && (!q.get('to') || x.createdAt < Date.parse(q.get('to') + 'T00:00:00+08:00') + 86400e3)
  if (p === '/iam/login-logs') {
    return send(res, 200, page(loginLogs.filter((l) => (!q.get('username') || l.username.includes(q.get('username'))) && (!q.get('success') || String(l.success) === q.get('success')) && inRange(l)), q))
  }
  if (p === '/audit/logs') {
    return send(res, 200, page(audit.filter((a) => (!q.get('actor') || a.actorName.includes(q.get('actor'))) && (!q.get('entity') || a.entity === q.get('entity')) && (!q.get('entityId') || String(a.entityId) === q.get('entityId')) && (!q.get('action') || a.action === q.get('action')) && inRange(a)), q))
  }
  if (p === '/notify/sms') return send(res, 200, page(outbox.filter((o) => !q.get('status') || o.status === q.get('status')), q))
  if (p === '/notify/templates' && m === 'GET') return send(res, 200, { items: templates })
  if ((mm = /^\/notify\/templates\/([\w-]+)$/.exec(p)) && m === 'PUT') {
    const tpl = templates.find((x) => x.code === mm[1]); if (!tpl) return problem(res, 404, 'not_found', '模板不存在')
    const before = { content: tpl.content }; tpl.content = body.content; tpl.updatedAt = now()
    log(s, 'update', 'notify_template', tpl.code, `修改模板 ${tpl.name}`, before, { content: tpl.content }); return send(res, 200, tpl)
  }
  return problem(res, 404, 'not_found', `no route ${m} ${p}`)
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.ico': 'image/x-icon' }
function staticFile(res, url) {
  let rel = decodeURIComponent(url.pathname)
  if (rel === '/' ) { res.writeHead(302, { Location: '/admin/' }); return res.end() }
  let file = path.join(DIST, path.normalize(rel).replace(/^(\.\.[/\\])+/, ''))
  if (!file.startsWith(DIST)) { res.writeHead(403); return res.end() }
  if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    const page = rel.split('/')[1]
    const idx = path.join(DIST, page ?? '', 'index.html')
    if (page && !rel.startsWith('/assets/') && fs.existsSync(idx)) file = idx
    else { res.writeHead(404); return res.end('not found') }
  }
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
  fs.createReadStream(file).pipe(res)
}

http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (url.pathname.startsWith('/api/')) api(req, res, url).catch((e) => { console.error(e); problem(res, 500, 'internal', String(e)) })
  else staticFile(res, url)
}).listen(PORT, '127.0.0.1', () => console.log(`fangyi mock API on http://127.0.0.1:${PORT}`))
