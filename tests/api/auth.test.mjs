// SPEC X4: sign-in, captcha, SMS codes, forced and forgotten passwords, sessions, CSRF.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { DEMO_PASSWORD, createReadyUser, demoFixtures, errorFields, expectProblem, sleep, startServer, uniq } from './lib/harness.mjs';

let server;
let admin;
let fx;

before(async () => {
  server = await startServer({ smsDispatch: true });
  admin = await server.login('admin');
  fx = await demoFixtures(admin);
});

after(async () => {
  await server?.stop();
});

/** Lines of DATA/sms-outbox.log: [{at, phone, content}]. */
function outbox() {
  const file = path.join(server.dataDir, 'sms-outbox.log');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [at, phone, ...rest] = l.split('\t');
      return { at, phone, content: rest.join('\t') };
    });
}

/** Waits (up to 10 s) for an outbox line to the given masked phone whose text matches re. */
async function waitForSms(maskedPhone, re, notBefore = 0) {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const hit = outbox()
      .slice(notBefore)
      .find((l) => l.phone === maskedPhone && re.test(l.content));
    if (hit) return hit;
    await sleep(100);
  }
  assert.fail(`no SMS to ${maskedPhone} matching ${re} in the outbox:\n${JSON.stringify(outbox(), null, 1)}`);
}

/** Reads the answer off a captcha image: its glyphs are <text> elements placed left to right. */
function solveCaptcha(image) {
  const svg = Buffer.from(image.replace(/^data:image\/svg\+xml;base64,/, ''), 'base64').toString('utf8');
  const glyphs = [...svg.matchAll(/<text x="(-?\d+)"[^>]*>([^<])<\/text>/g)].map((m) => ({ x: Number(m[1]), c: m[2] }));
  assert.ok(glyphs.length >= 4, `captcha image has its glyphs as text: ${svg.slice(0, 200)}`);
  return glyphs
    .sort((a, b) => a.x - b.x)
    .map((g) => g.c)
    .join('');
}

describe('sign-in', () => {
  test('login ok: user, permissions, menus, csrfToken and an HttpOnly SameSite session cookie', async () => {
    const c = server.client();
    const res = await c.login('admin');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.user.username, 'admin');
    assert.equal(res.body.user.regionName, '演示市');
    assert.equal(res.body.user.phone, '138****0001');
    assert.equal(res.body.mustChangePassword, false);
    assert.ok(res.body.permissions.includes('iam:user:list'));
    assert.ok(Array.isArray(res.body.menus) && res.body.menus.length > 1);
    assert.ok(typeof res.body.csrfToken === 'string' && res.body.csrfToken.length >= 16);
    assert.ok(!('passwordHash' in res.body.user) && !res.text.includes('argon2'), 'no password hash in the answer');
    const cookie = res.setCookie.find((s) => s.startsWith('fy_session='));
    assert.ok(cookie, `Set-Cookie fy_session: ${res.setCookie}`);
    assert.match(cookie, /;\s*HttpOnly/i);
    assert.match(cookie, /;\s*SameSite=(Strict|Lax)/i);
    assert.match(cookie, /;\s*Path=\//i);
    assert.ok(/^fy_session=[A-Za-z0-9_-]{32,}/.test(cookie), 'session token is long and random-looking');
    const me = await c.get('/api/v1/auth/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.user.username, 'admin');
    assert.equal(me.body.csrfToken, res.body.csrfToken);
  });

  test('two sign-ins get different session tokens and CSRF tokens', async () => {
    const a = server.client();
    const b = server.client();
    await a.login('admin');
    await b.login('admin');
    assert.notEqual(a.cookie, b.cookie);
    assert.notEqual(a.csrf, b.csrf);
  });

  test('wrong password → 401 invalid_credentials, no cookie, and a failed row in the login log', async () => {
    const c = server.client();
    const res = await c.login('yonghong-grid', 'Wrong1234');
    expectProblem(assert, res, 401, 'invalid_credentials');
    assert.equal(res.setCookie.length, 0, 'no cookie on a refused sign-in');
    assert.equal(c.cookie, null);
    const logs = await admin.get('/api/v1/iam/login-logs?username=yonghong-grid&success=false');
    assert.equal(logs.status, 200);
    const row = logs.body.items[0];
    assert.ok(row, 'a login-log row for the failed attempt');
    assert.equal(row.username, 'yonghong-grid');
    assert.equal(row.success, false);
    assert.equal(row.reason, 'invalid_credentials');
    assert.match(row.ip, /127\.0\.0\.1/);
    assert.ok(Math.abs(row.createdAt - Date.now()) < 60000, 'createdAt is now (epoch ms)');
    // The right password still works (and resets the failure counter).
    assert.equal((await c.login('yonghong-grid')).status, 200);
    const ok = await admin.get('/api/v1/iam/login-logs?username=yonghong-grid&success=true');
    assert.ok(ok.body.total >= 1 && ok.body.items.every((r) => r.success === true));
  });

  test('an unknown account answers exactly like a wrong password', async () => {
    const res = await server.client().login(uniq('ghost-'), 'Wrong1234');
    expectProblem(assert, res, 401, 'invalid_credentials');
  });

  test('wrong captcha → 400 captcha_invalid naming the captcha field, nothing logged', async () => {
    const before = (await admin.get('/api/v1/iam/login-logs?username=admin')).body.total;
    const c = server.client();
    const res = await c.post('/api/v1/auth/login', { username: 'admin', password: DEMO_PASSWORD, captcha: 'nope' });
    expectProblem(assert, res, 400, 'captcha_invalid');
    assert.deepEqual(errorFields(res), ['captcha']);
    assert.equal(c.cookie, null);
    assert.equal((await admin.get('/api/v1/iam/login-logs?username=admin')).body.total, before);
  });

  test('real captcha: an SVG image; a wrong answer fails; the right answer works once only', async () => {
    const c = server.client();
    const cap = await c.get('/api/v1/auth/captcha');
    assert.equal(cap.status, 200);
    assert.ok(typeof cap.body.captchaId === 'string' && cap.body.captchaId.length >= 16);
    assert.match(cap.body.image, /^data:image\/svg\+xml;base64,[A-Za-z0-9+/]+=*$/);
    const svg = Buffer.from(cap.body.image.split(',')[1], 'base64').toString('utf8');
    assert.match(svg, /^<svg[\s>]/);
    const wrong = await c.post('/api/v1/auth/login', {
      username: 'admin',
      password: DEMO_PASSWORD,
      captchaId: cap.body.captchaId,
      captcha: '0000', // 0 is not in the captcha alphabet, so this is always wrong
    });
    expectProblem(assert, wrong, 400, 'captcha_invalid');

    const cap2 = (await c.get('/api/v1/auth/captcha')).body;
    assert.notEqual(cap2.captchaId, cap.body.captchaId);
    const answer = solveCaptcha(cap2.image);
    const body = { username: 'admin', password: DEMO_PASSWORD, captchaId: cap2.captchaId, captcha: answer.toLowerCase() };
    const ok = await c.post('/api/v1/auth/login', body);
    assert.equal(ok.status, 200, `right answer (case-insensitive) is accepted: ${ok.text}`);
    const again = await server.client().post('/api/v1/auth/login', body);
    expectProblem(assert, again, 400, 'captcha_invalid', 'a captcha is single-use');
  });

  test('a captcha consumed by a wrong answer cannot be retried with the right one', async () => {
    const cap = (await server.client().get('/api/v1/auth/captcha')).body;
    const answer = solveCaptcha(cap.image);
    const base = { username: 'admin', password: DEMO_PASSWORD, captchaId: cap.captchaId };
    expectProblem(assert, await server.client().post('/api/v1/auth/login', { ...base, captcha: '0000' }), 400, 'captcha_invalid');
    expectProblem(assert, await server.client().post('/api/v1/auth/login', { ...base, captcha: answer }), 400, 'captcha_invalid');
  });

  test('unauthenticated requests to protected routes → 401 unauthenticated', async () => {
    const c = server.client();
    expectProblem(assert, await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
    expectProblem(assert, await c.get('/api/v1/iam/users'), 401, 'unauthenticated');
    c.cookie = 'forged-session-token';
    expectProblem(assert, await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
  });
});

describe('SMS codes', () => {
  test('4 wrong passwords → the right password alone answers sms_code_required; an SMS code unlocks it', async () => {
    const c = server.client();
    for (let i = 1; i <= 3; i++) expectProblem(assert, await c.login('beigang', `Wrong${i}234x`), 401, 'invalid_credentials', `attempt ${i}`);
    expectProblem(assert, await c.login('beigang', 'Wrong4234x'), 401, 'sms_code_required', 'attempt 4');
    expectProblem(assert, await c.login('beigang'), 401, 'sms_code_required', 'right password, no SMS code');
    expectProblem(assert, await c.login('beigang', DEMO_PASSWORD, { smsCode: '000000' }), 401, 'sms_code_invalid', 'no code was sent yet');

    const mark = outbox().length;
    const send = await c.post('/api/v1/auth/sms-code', { username: 'beigang', captcha: 'test', purpose: 'login' });
    assert.equal(send.status, 202, send.text);
    const again = await c.post('/api/v1/auth/sms-code', { username: 'beigang', captcha: 'test', purpose: 'login' });
    // Within a minute nothing new is sent, yet the answer is the same as always (no account oracle).
    assert.equal(again.status, 202, again.text);

    const sms = await waitForSms('138****0012', /登录验证码为\d{6}/, mark);
    await sleep(1500); // the dispatcher polls about once a second
    assert.equal(outbox().slice(mark).filter((m) => m.phone === '138****0012').length, 1, 'one code within a minute');
    const code = /验证码为(\d{6})/.exec(sms.content)[1];
    const raw = fs.readFileSync(path.join(server.dataDir, 'sms-outbox.log'), 'utf8');
    assert.ok(!raw.includes('13800000012'), 'the outbox log never holds the full phone number');
    assert.ok(/^1\d{2}\*{4}\d{4}$/.test(sms.phone));

    // The SMS list shows the message masked as well.
    const list = await admin.get('/api/v1/notify/sms?pageSize=50');
    assert.equal(list.status, 200);
    assert.ok(list.body.items.some((m) => m.phone === '138****0012'));
    assert.ok(!list.text.includes('13800000012'));

    expectProblem(assert, await c.login('beigang', 'Wrong5234x', { smsCode: code }), 401, 'sms_code_required', 'right code, wrong password');
    // The code was spent by that attempt; ask for a fresh one a minute later (shifted clock).
    await server.client().post('/api/v1/test/clock', { offsetMs: 61_000 });
    try {
      const mark2 = outbox().length;
      assert.equal((await c.post('/api/v1/auth/sms-code', { username: 'beigang', captcha: 'test', purpose: 'login' })).status, 202);
      const sms2 = await waitForSms('138****0012', /登录验证码为\d{6}/, mark2);
      const code2 = /验证码为(\d{6})/.exec(sms2.content)[1];
      const ok = await c.login('beigang', DEMO_PASSWORD, { smsCode: code2 });
      assert.equal(ok.status, 200, ok.text);
      // Success resets the counter: the next sign-in needs no code.
      assert.equal((await server.client().login('beigang')).status, 200);
    } finally {
      await server.client().post('/api/v1/test/clock', { offsetMs: 0 });
    }
  });

  test('an SMS code for an unknown account answers 202 as well and sends nothing', async () => {
    const mark = outbox().length;
    const res = await server.client().post('/api/v1/auth/sms-code', { username: uniq('ghost-'), captcha: 'test', purpose: 'login' });
    assert.equal(res.status, 202);
    await sleep(1500); // the dispatcher polls about once a second
    assert.equal(outbox().length, mark);
  });

  test('sms-code answers alike for existing and unknown accounts, also when asked twice in a row', async () => {
    // The route promises not to reveal which accounts exist; the resend limit must not either.
    const ask = (username) => server.client().post('/api/v1/auth/sms-code', { username, captcha: 'test', purpose: 'reset' });
    const ghost = uniq('ghost-');
    const g1 = await ask(ghost);
    const g2 = await ask(ghost);
    const a1 = await ask('admin');
    const a2 = await ask('admin');
    assert.deepEqual([g1.status, g2.status], [202, 202]);
    assert.deepEqual([a1.status, a2.status], [g1.status, g2.status], `existing account: ${a1.status}, ${a2.status} ${a2.text}`);
  });

  test('sms-code: wrong captcha → 400, unknown purpose → 422 naming purpose', async () => {
    const c = server.client();
    expectProblem(assert, await c.post('/api/v1/auth/sms-code', { username: 'admin', captcha: 'nope', purpose: 'login' }), 400, 'captcha_invalid');
    const bad = await c.post('/api/v1/auth/sms-code', { username: 'admin', captcha: 'test', purpose: 'spam' });
    expectProblem(assert, bad, 422, 'validation_failed');
    assert.deepEqual(errorFields(bad), ['purpose']);
  });

  test('forgot password: reset code by SMS, then only the new password works and old sessions end', async () => {
    const old = await server.login('zhonglou');
    const mark = outbox().length;
    const send = await server.client().post('/api/v1/auth/sms-code', { username: 'zhonglou', captcha: 'test', purpose: 'reset' });
    assert.equal(send.status, 202);
    const sms = await waitForSms('138****0002', /找回密码，验证码为\d{6}/, mark);
    const code = /验证码为(\d{6})/.exec(sms.content)[1];
    const c = server.client();
    const wrongCode = String((Number(code) + 1) % 1000000).padStart(6, '0');
    expectProblem(assert, await c.post('/api/v1/auth/password/forgot', { username: 'zhonglou', smsCode: wrongCode, newPassword: 'Reset2026ab' }), 400, 'sms_code_invalid');
    const weak = await c.post('/api/v1/auth/password/forgot', { username: 'zhonglou', smsCode: code, newPassword: 'short' });
    expectProblem(assert, weak, 422, 'validation_failed');
    assert.deepEqual(errorFields(weak), ['newPassword']);
    // A login code is not a reset code.
    const ok = await c.post('/api/v1/auth/password/forgot', { username: 'zhonglou', smsCode: code, newPassword: 'Reset2026ab' });
    assert.equal(ok.status, 204, ok.text);
    expectProblem(assert, await c.post('/api/v1/auth/password/forgot', { username: 'zhonglou', smsCode: code, newPassword: 'Again2026ab' }), 400, 'sms_code_invalid', 'a code is single-use');
    expectProblem(assert, await old.get('/api/v1/auth/me'), 401, 'unauthenticated', 'sessions from before the reset end');
    expectProblem(assert, await server.client().login('zhonglou'), 401, 'invalid_credentials', 'old password');
    const fresh = await server.client().login('zhonglou', 'Reset2026ab');
    assert.equal(fresh.status, 200, fresh.text);
    assert.equal(fresh.body.mustChangePassword, false);
    const audit = await admin.get(`/api/v1/audit/logs?entity=iam_user&entityId=${fx.users.get('zhonglou').id}&action=reset_password`);
    assert.equal(audit.body.total, 1, 'the reset is audited');
    assert.equal(audit.body.items[0].actorName, 'zhonglou');
  });

  test('an SMS login code expires after 5 minutes', async () => {
    // yonghong: 4 failures, then a code, then the clock moves 6 minutes on.
    const c = server.client();
    for (let i = 0; i < 4; i++) await c.login('yonghong', `Wrong${i}xyz1`);
    const mark = outbox().length;
    assert.equal((await c.post('/api/v1/auth/sms-code', { username: 'yonghong', captcha: 'test', purpose: 'login' })).status, 202);
    const code = /验证码为(\d{6})/.exec((await waitForSms('138****0011', /登录验证码/, mark)).content)[1];
    try {
      await server.client().post('/api/v1/test/clock', { offsetMs: 6 * 60_000 });
      expectProblem(assert, await c.login('yonghong', DEMO_PASSWORD, { smsCode: code }), 401, 'sms_code_invalid');
    } finally {
      await server.client().post('/api/v1/test/clock', { offsetMs: 0 });
    }
    // Back at the real time the same code works: the refusal above was the expiry alone.
    const ok = await c.login('yonghong', DEMO_PASSWORD, { smsCode: code });
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('passwords and sessions', () => {
  test('an account created through the API must change its password first', async () => {
    const username = uniq('new-');
    const create = await admin.post('/api/v1/iam/users', {
      username,
      regionId: fx.nodes.get('永红街道').id,
      roleIds: [fx.roles.get('street_admin').id],
      password: 'Init1234a',
    });
    assert.equal(create.status, 201, create.text);
    assert.equal(create.body.mustChangePassword, true);
    const c = server.client();
    const login = await c.login(username, 'Init1234a');
    assert.equal(login.status, 200);
    assert.equal(login.body.mustChangePassword, true);
    expectProblem(assert, await c.get('/api/v1/iam/users'), 403, 'password_change_required');
    expectProblem(assert, await c.get('/api/v1/region/tree'), 403, 'password_change_required');
    expectProblem(assert, await c.post('/api/v1/region/nodes', { parentId: fx.nodes.get('永红街道').id, name: uniq('x'), kind: 'community' }), 403, 'password_change_required');
    assert.equal((await c.get('/api/v1/auth/me')).status, 200, '/auth/me stays reachable');

    const weak = await c.post('/api/v1/auth/password', { oldPassword: 'Init1234a', newPassword: 'abc' });
    expectProblem(assert, weak, 422, 'validation_failed');
    assert.deepEqual(errorFields(weak), ['newPassword']);
    const noDigit = await c.post('/api/v1/auth/password', { oldPassword: 'Init1234a', newPassword: 'abcdefghij' });
    expectProblem(assert, noDigit, 422);
    assert.deepEqual(errorFields(noDigit), ['newPassword']);
    const same = await c.post('/api/v1/auth/password', { oldPassword: 'Init1234a', newPassword: 'Init1234a' });
    expectProblem(assert, same, 422);
    assert.deepEqual(errorFields(same), ['newPassword']);
    const wrongOld = await c.post('/api/v1/auth/password', { oldPassword: 'NotMine123', newPassword: 'Better1234' });
    expectProblem(assert, wrongOld, 400, 'wrong_password');
    expectProblem(assert, await c.get('/api/v1/iam/users'), 403, 'password_change_required', 'refused changes keep the lock');

    const ok = await c.post('/api/v1/auth/password', { oldPassword: 'Init1234a', newPassword: 'Better1234' });
    assert.equal(ok.status, 204, ok.text);
    assert.equal((await c.get('/api/v1/iam/users')).status, 200, 'the same session now reaches other routes');
    assert.equal((await c.get('/api/v1/auth/me')).body.mustChangePassword, false);
    expectProblem(assert, await server.client().login(username, 'Init1234a'), 401, 'invalid_credentials');
    assert.equal((await server.client().login(username, 'Better1234')).status, 200);
  });

  test('changing the password ends the account’s other sessions but keeps the current one', async () => {
    const { client, user, password } = await createReadyUser(server, admin, { regionId: fx.nodes.get('天宁区').id, roleIds: [] });
    const other = await server.login(user.username, password);
    const ok = await client.post('/api/v1/auth/password', { oldPassword: password, newPassword: 'Changed2026x' });
    assert.equal(ok.status, 204, ok.text);
    assert.equal((await client.get('/api/v1/auth/me')).status, 200);
    expectProblem(assert, await other.get('/api/v1/auth/me'), 401, 'unauthenticated');
  });

  test('X-Forwarded-For is not trusted by default: the login log keeps the socket address', async () => {
    const c = server.client();
    const res = await c.request('POST', '/api/v1/auth/login', { username: 'yonghong-grid', password: 'Wrong1234', captcha: 'test' }, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    expectProblem(assert, res, 401, 'invalid_credentials');
    const row = (await admin.get('/api/v1/iam/login-logs?username=yonghong-grid&success=false')).body.items[0];
    assert.match(row.ip, /127\.0\.0\.1/);
    assert.equal((await c.login('yonghong-grid')).status, 200);
  });

  test('logout ends the session: the old cookie answers 401 afterwards', async () => {
    const c = await server.login('yonghong-grid');
    const cookie = c.cookie;
    const out = await c.post('/api/v1/auth/logout');
    assert.equal(out.status, 204);
    const cleared = out.setCookie.find((s) => s.startsWith('fy_session='));
    assert.ok(cleared && /Max-Age=0/i.test(cleared), `logout clears the cookie: ${out.setCookie}`);
    const replay = server.client();
    replay.cookie = cookie;
    expectProblem(assert, await replay.get('/api/v1/auth/me'), 401, 'unauthenticated');
  });

  test('a session expires after 12 hours', async () => {
    const c = await server.login('yonghong-grid');
    try {
      await server.client().post('/api/v1/test/clock', { offsetMs: 12 * 3600e3 + 60e3 });
      expectProblem(assert, await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
    } finally {
      await server.client().post('/api/v1/test/clock', { offsetMs: 0 });
    }
  });

  test('a write without the CSRF header → 403 csrf_failed, and nothing happens', async () => {
    const parentId = fx.nodes.get('天宁区').id;
    const name = uniq('csrf街道');
    const missing = await admin.post('/api/v1/region/nodes', { parentId, name }, { csrf: false });
    expectProblem(assert, missing, 403, 'csrf_failed');
    const wrong = await admin.post('/api/v1/region/nodes', { parentId, name }, { csrf: false, headers: { 'X-CSRF-Token': 'x'.repeat(24) } });
    expectProblem(assert, wrong, 403, 'csrf_failed');
    const other = server.client();
    await other.login('admin');
    const foreign = await admin.post('/api/v1/region/nodes', { parentId, name }, { csrf: false, headers: { 'X-CSRF-Token': other.csrf } });
    expectProblem(assert, foreign, 403, 'csrf_failed', "another session's token");
    const u = fx.users.get('yonghong-grid');
    expectProblem(assert, await admin.put(`/api/v1/iam/users/${u.id}`, { nickname: 'x' }, { csrf: false }), 403, 'csrf_failed');
    expectProblem(assert, await admin.del(`/api/v1/iam/users/${u.id}`, { csrf: false }), 403, 'csrf_failed');
    expectProblem(assert, await admin.post('/api/v1/auth/logout', undefined, { csrf: false }), 403, 'csrf_failed');
    const kids = await admin.get(`/api/v1/region/nodes?parentId=${parentId}&keyword=${encodeURIComponent(name)}`);
    assert.equal(kids.body.total, 0, 'no node was created');
    assert.equal((await admin.get(`/api/v1/iam/users/${u.id}`)).body.nickname, u.nickname);
    assert.equal((await admin.get('/api/v1/auth/me')).status, 200, 'still signed in');
  });
});
