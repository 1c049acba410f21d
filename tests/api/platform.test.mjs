// Operations: health, readiness, metrics, request ids, logs and storage free of personal data,
// the static entry point, unknown routes, and a clean shutdown on SIGTERM.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { BIN, DB_KIND, PG_BASE, expectProblem, randomPhone, startServer, uniq } from './lib/harness.mjs';

const run = promisify(execFile);
const DEMO_PHONES = ['13800000001', '13800000002', '13800000011', '13800000012'];

let server;
let admin;
let fx;

before(async () => {
  server = await startServer();
  admin = await server.login('admin');
  const tree = (await admin.get('/api/v1/region/tree')).body.items;
  fx = { city: tree[0], street: tree[0].children[0].children[0] };
});

after(async () => {
  await server?.stop();
});

/** Everything the database holds, as bytes/text: the SQLite files, or a pg_dump. */
async function storedBytes() {
  if (DB_KIND === 'sqlite') {
    const parts = [];
    for (const f of ['fangyi.db', 'fangyi.db-wal']) {
      const p = path.join(server.dataDir, f);
      if (fs.existsSync(p)) parts.push(fs.readFileSync(p));
    }
    assert.ok(parts.length >= 1, 'the SQLite file exists');
    return Buffer.concat(parts).toString('latin1');
  }
  const { stdout } = await run('pg_dump', ['--data-only', `${PG_BASE}/${server.pgDb}`], { maxBuffer: 256 * 1024 * 1024 });
  assert.ok(stdout.includes('iam_user'), 'the dump holds the tables');
  return stdout;
}

test('/healthz answers 200', async () => {
  const res = await fetch(`${server.url}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok' });
});

// PostgreSQL can cut a connection under a server (an administrator, a restart, a failover):
// a writer takes a new one before its next transaction; a reader that held one answers that
// read 503 and takes a new one, not 503 from then on.
if (DB_KIND === 'postgres') {
  test('reads on connections PostgreSQL cut answer 503 at most once a reader, then 200 again', async () => {
    const read = async () => (await admin.get('/api/v1/region/tree')).status;
    for (let i = 0; i < 4; i++) assert.equal(await read(), 200);
    const logFrom = fs.statSync(server.logFile).size;
    const cut = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
    await run('psql', ['-v', 'ON_ERROR_STOP=1', '-q', `${PG_BASE}/${server.pgDb}`, '-c', cut]);
    // The writer finds its connection gone at BEGIN, before any job ran, and takes a new one.
    const made = await admin.post('/api/v1/iam/users', { username: uniq('cut-'), regionId: fx.street.id, password: `Pw${uniq('')}9z` });
    assert.equal(made.status, 201, made.text);
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push(await read());
    assert.ok(statuses.filter((s) => s !== 200).length <= 2, `two readers, one failure each at most: ${statuses}`);
    assert.deepEqual(statuses.slice(-4), [200, 200, 200, 200], `${statuses}`);
    // Each failed read is logged once, by its route, with its request id.
    const log = fs.readFileSync(server.logFile).subarray(logFrom).toString('utf8');
    const failed = statuses.filter((s) => s !== 200).length;
    assert.equal((log.match(/\[[^\]\s]+\] database error: /g) || []).length, failed, log);
    assert.doesNotMatch(log, /read job failed/);
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
  });
}

test('/readyz answers 200 with the schema version', async () => {
  const res = await fetch(`${server.url}/readyz`);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.status, 'ready');
  assert.ok(Number.isInteger(body.schemaVersion) && body.schemaVersion >= 1);
  assert.equal(body.schemaVersion, body.expected);
});

test('/metrics is Prometheus text with request counts per route pattern, latency buckets and queue depth', async () => {
  const uid = (await admin.get('/api/v1/iam/users?pageSize=1')).body.items[0].id;
  assert.equal((await admin.get(`/api/v1/iam/users/${uid}`)).status, 200);
  assert.equal((await admin.get('/api/v1/iam/users/99999999')).status, 404);
  // A request is counted just after its answer is sent, so give the counters a moment.
  let res;
  let text;
  for (let i = 0; i < 40; i++) {
    res = await fetch(`${server.url}/metrics`);
    text = await res.text();
    if (/route="\/api\/v1\/iam\/users\/\{id\}",status="4xx"/.test(text)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain/);
  const lines = text.split('\n').filter(Boolean);
  for (const l of lines) {
    if (l.startsWith('#')) assert.match(l, /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/, l);
    else assert.match(l, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? -?[0-9.e+-]+(\s\d+)?$|^[a-zA-Z_:][a-zA-Z0-9_:]*\{.*le="\+Inf".*\} \d+$/, l);
  }
  assert.match(text, /^# TYPE fangyi_http_requests_total counter$/m);
  assert.match(text, /^fangyi_http_requests_total\{method="POST",route="\/api\/v1\/auth\/login",status="2xx"\} [1-9]\d*$/m);
  assert.match(text, /^fangyi_http_requests_total\{method="GET",route="\/api\/v1\/iam\/users\/\{id\}",status="2xx"\} [1-9]\d*$/m);
  assert.match(text, /^fangyi_http_requests_total\{method="GET",route="\/api\/v1\/iam\/users\/\{id\}",status="4xx"\} [1-9]\d*$/m);
  assert.ok(!text.includes(`/api/v1/iam/users/${uid}"`), 'routes are labelled by pattern, not by concrete path');
  assert.match(text, /^# TYPE fangyi_http_request_duration_seconds histogram$/m);
  assert.match(text, /^fangyi_http_request_duration_seconds_bucket\{method="POST",route="\/api\/v1\/auth\/login",le="[^"]+"\} \d+$/m);
  assert.match(text, /^fangyi_db_queue_depth\{queue="write"\} \d+$/m);
  assert.match(text, /^fangyi_db_queue_depth\{queue="read"\} \d+$/m);
  // Buckets are cumulative and +Inf equals _count.
  const series = new Map();
  for (const m of text.matchAll(/^fangyi_http_request_duration_seconds_bucket\{(.*),le="([^"]+)"\} (\d+)$/gm)) {
    if (!series.has(m[1])) series.set(m[1], []);
    series.get(m[1]).push(Number(m[3]));
  }
  assert.ok(series.size >= 2);
  for (const [labels, counts] of series) {
    for (let i = 1; i < counts.length; i++) assert.ok(counts[i] >= counts[i - 1], `cumulative buckets for ${labels}`);
    const count = new RegExp(`^fangyi_http_request_duration_seconds_count\\{${labels.replace(/[{}()[\].*+?^$|\\/]/g, '\\$&')}\\} (\\d+)$`, 'm').exec(text);
    assert.ok(count, `_count for ${labels}`);
    assert.equal(Number(count[1]), counts.at(-1), `+Inf bucket equals _count for ${labels}`);
  }
});

test('API responses carry X-Request-Id, echo a safe one and replace an unsafe one', async () => {
  const a = await admin.get('/api/v1/auth/me');
  const b = await admin.get('/api/v1/auth/me');
  const idA = a.headers.get('x-request-id');
  assert.match(idA, /^[A-Za-z0-9_-]{8,64}$/);
  assert.notEqual(idA, b.headers.get('x-request-id'), 'a fresh id per request');
  const given = 'test-req_0123456789';
  const echoed = await admin.get('/api/v1/auth/me', { headers: { 'X-Request-Id': given } });
  assert.equal(echoed.headers.get('x-request-id'), given);
  const problem = await server.client().get('/api/v1/auth/me', { headers: { 'X-Request-Id': given } });
  expectProblem(assert, problem, 401, 'unauthenticated');
  assert.equal(problem.headers.get('x-request-id'), given);
  assert.equal(problem.body.requestId, given, 'the problem body names the request id too');
  for (const unsafe of ['has space', 'x'.repeat(65), '<script>', 'a;b', '%0d%0aSet-Cookie:x', '../../etc']) {
    const res = await admin.get('/api/v1/auth/me', { headers: { 'X-Request-Id': unsafe } });
    const id = res.headers.get('x-request-id');
    assert.match(id, /^[A-Za-z0-9_-]{1,64}$/, `replaced: ${unsafe}`);
    assert.notEqual(id, unsafe);
  }
  // The id shows up in the access log for correlation.
  for (let i = 0; i < 40 && !server.log().includes(`[${given}]`); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(server.log().includes(`[${given}]`), 'the access log names the request id');
  // Security headers on API answers.
  assert.equal(a.headers.get('cache-control'), 'no-store');
  assert.equal(a.headers.get('x-content-type-options'), 'nosniff');
});

test('a 404 for an unknown API route echoes the given X-Request-Id as well', async () => {
  const given = 'nope-req-42';
  const res = await admin.get('/api/v1/nope', { headers: { 'X-Request-Id': given } });
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('x-request-id'), given);
});

test('unknown API routes → 404 problem JSON', async () => {
  for (const [m, p] of [
    ['GET', '/api/v1/nope'],
    ['POST', '/api/v1/nope'],
    ['GET', '/api/v2/iam/users'],
    ['PUT', '/api/v1/auth/me'],
    ['DELETE', '/api/v1/region/tree'],
  ]) {
    const res = await admin.request(m, p, m === 'GET' || m === 'DELETE' ? undefined : {});
    assert.ok(res.status === 404 || res.status === 405, `${m} ${p} → ${res.status}`);
    expectProblem(assert, res, res.status, undefined, `${m} ${p}`);
  }
  const nope = await server.client().get('/api/v1/nope');
  expectProblem(assert, nope, 404, 'no_route');
});

test('static entry: GET / redirects to /admin/', async () => {
  for (const p of ['/', '/admin']) {
    const res = await fetch(`${server.url}${p}`, { redirect: 'manual' });
    assert.equal(res.status, 302, p);
    assert.equal(res.headers.get('location'), '/admin/');
  }
  const traversal = await fetch(`${server.url}/admin/..%2f..%2fetc/passwd`, { redirect: 'manual' });
  assert.ok([400, 404].includes(traversal.status), `path traversal → ${traversal.status}`);
  assert.ok(!(await traversal.text()).includes('root:'), 'no file outside the web root');
});

test('the access log never holds a full phone number or a password', async () => {
  const phone = randomPhone('150');
  const password = `Pw${uniq('')}9z`;
  const username = uniq('log-');
  const create = await admin.post('/api/v1/iam/users', { username, phone, regionId: fx.street.id, password });
  assert.equal(create.status, 201, create.text);
  const c = server.client();
  assert.equal((await c.login(username, password)).status, 200);
  assert.equal((await server.client().login(phone, password)).status, 200, 'sign-in by phone number works');
  await admin.get(`/api/v1/iam/users?keyword=${phone}`);
  await admin.get(`/api/v1/iam/login-logs?username=${phone}`);
  const newPw = `Nw${uniq('')}7q`;
  assert.equal((await c.post('/api/v1/auth/password', { oldPassword: password, newPassword: newPw })).status, 204);
  await server.client().login(username, `${newPw}x`);
  const log = server.log();
  assert.match(log, /POST \/api\/v1\/auth\/login 200/, 'the access log records requests');
  assert.match(log, /POST \/api\/v1\/iam\/users 201/);
  for (const secret of [phone, password, newPw, ...DEMO_PHONES]) assert.ok(!log.includes(secret), `the log must not contain ${secret}`);
  assert.ok(!log.includes('Fangyi2026'));
});

test('the database does not store full phone numbers of accounts', async () => {
  const phone = randomPhone('151');
  const create = await admin.post('/api/v1/iam/users', { username: uniq('db-'), phone, regionId: fx.street.id, password: 'Init1234a' });
  assert.equal(create.status, 201);
  // An SMS to an account with a phone goes through the outbox too.
  assert.equal((await server.client().post('/api/v1/auth/sms-code', { username: 'yonghong', captcha: 'test', purpose: 'reset' })).status, 202);
  const bytes = await storedBytes();
  assert.ok(bytes.includes('永红街道') || bytes.includes(Buffer.from('永红街道').toString('latin1')), 'the stored data is readable (so the search is meaningful)');
  for (const p of [...DEMO_PHONES, phone]) assert.ok(!bytes.includes(p), `the database must not hold ${p} in clear`);
});

test('a failed sign-in by phone number does not store or list the full number', async () => {
  const phone = '13800000011'; // yonghong
  const res = await server.client().login(phone, 'WrongPass123');
  expectProblem(assert, res, 401, 'invalid_credentials');
  const logs = await admin.all('/api/v1/iam/login-logs');
  assert.ok(logs.some((l) => l.success === false && l.reason === 'invalid_credentials'), 'the failure is logged');
  assert.ok(!JSON.stringify(logs).includes(phone), 'the login log list must not show the phone number in full');
  const bytes = await storedBytes();
  assert.ok(!bytes.includes(phone), 'the database must not hold the phone number in clear (login log)');
  // Correct the failure counter for yonghong.
  assert.equal((await server.client().login('yonghong')).status, 200);
});

test('without --test-mode the captcha answer "test", the clock route and the jobs route are refused', async () => {
  const prod = await startServer({ testMode: false });
  try {
    const c = prod.client();
    const login = await c.login('admin');
    expectProblem(assert, login, 400, 'captcha_invalid');
    assert.equal(c.cookie, null);
    const sms = await c.post('/api/v1/auth/sms-code', { username: 'admin', captcha: 'test', purpose: 'login' });
    expectProblem(assert, sms, 400, 'captcha_invalid');
    const clock = await c.post('/api/v1/test/clock', { offsetMs: 86400000 });
    assert.equal(clock.status, 404, clock.text);
    const jobs = await c.post('/api/v1/test/vaccination/jobs');
    assert.equal(jobs.status, 404, jobs.text);
    assert.ok(!prod.log().includes('TEST MODE'));
  } finally {
    assert.equal(await prod.stop(), 0);
  }
});

// Each I/O thread listens on the port itself (SO_REUSEPORT): a second process could then share
// the port and take half its connections without a word. It must be refused instead.
test('a second server on a port in use exits saying so; the first keeps answering', async () => {
  const port = new URL(server.url).port;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fangyi-port-'));
  const outcome = (args) =>
    run(BIN, args, { timeout: 20000 }).then(
      () => ({ code: 0, stderr: '' }),
      (e) => e,
    );
  try {
    const second = await outcome(['serve', '--data-dir', dir, '--listen', `127.0.0.1:${port}`, '--no-jobs']);
    assert.notEqual(second.code, 0, 'the second server must not start');
    assert.match(second.stderr, /Address already in use/);
    // "localhost" is read as RESTinio reads it, so the probe meets the same socket.
    const byName = await outcome(['serve', '--data-dir', dir, '--listen', `localhost:${port}`, '--no-jobs']);
    assert.notEqual(byName.code, 0, 'the second server must not start by name either');
    assert.match(byName.stderr, /Address already in use/);
    for (let i = 0; i < 8; i++) assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const bad = await outcome(['serve', '--data-dir', dir, '--io-threads', '0']);
    assert.equal(bad.code, 105);
    assert.match(bad.stderr, /--io-threads: Value 0 not in range 1 to 64/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGTERM: the server exits with code 0', async () => {
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  const code = await server.stop();
  assert.equal(code, 0);
  assert.match(server.log(), /shutting down/);
  await assert.rejects(fetch(`${server.url}/healthz`), 'no longer listening');
});

test('SIGINT: the server exits with code 0 as well', async () => {
  const other = await startServer({ demo: false });
  assert.equal((await fetch(`${other.url}/healthz`)).status, 200);
  assert.equal(await other.stop('SIGINT'), 0);
  assert.match(other.log(), /signal 2 received, shutting down/);
});
