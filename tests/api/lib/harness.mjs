// Test harness for the black-box API suite: starts a real `fangyi serve` on a fresh data
// directory and database, and hands out HTTP clients that keep a session like a browser.
//
// Environment:
//   FANGYI_BIN       server binary (default: <repo>/build/server/fangyi)
//   FANGYI_TEST_DB   sqlite (default) | postgres
//   FANGYI_TEST_PG   base URL of a PostgreSQL cluster, e.g. postgresql://postgres@127.0.0.1:55432
//   FANGYI_TEST_KEEP 1 = keep data directories (and PostgreSQL databases) after the run
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
export const BIN = process.env.FANGYI_BIN || path.join(REPO_ROOT, 'build/server/fangyi');
export const DB_KIND = (process.env.FANGYI_TEST_DB || 'sqlite').toLowerCase();
export const PG_BASE = (process.env.FANGYI_TEST_PG || 'postgresql://postgres@127.0.0.1:55432').replace(/\/+$/, '');
export const DEMO_PASSWORD = 'Fangyi2026';
export const KEEP = process.env.FANGYI_TEST_KEEP === '1';

if (DB_KIND !== 'sqlite' && DB_KIND !== 'postgres')
  throw new Error(`FANGYI_TEST_DB must be sqlite or postgres, not ${DB_KIND}`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A unique, readable name: prefix + 8 random hex characters. */
export function uniq(prefix = 't') {
  return `${prefix}${crypto.randomBytes(4).toString('hex')}`;
}

/** A random, valid and unused-looking mainland mobile number (prefix 139 or as given). */
export function randomPhone(prefix = '139') {
  let s = prefix;
  while (s.length < 11) s += String(crypto.randomInt(10));
  return s;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

let routesCache;
/** Every route the binary serves, as [{method, path, perm}] (from `fangyi routes`). */
export async function serverRoutes() {
  if (!routesCache) {
    const { stdout } = await run(BIN, ['routes']);
    routesCache = stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => {
        const [method, p, perm] = l.split(/\s+/);
        return { method, path: p, perm, key: `${method} ${p}` };
      });
    if (routesCache.length < 10) throw new Error(`fangyi routes printed too little:\n${stdout}`);
  }
  return routesCache;
}

async function psql(db, sql) {
  await run('psql', ['-v', 'ON_ERROR_STOP=1', '-q', `${PG_BASE}/${db}`, '-c', sql]);
}

/**
 * An HTTP client with a cookie jar of one cookie (fy_session unless told otherwise) and the
 * CSRF token of its session. Bodies: undefined = none, string/Buffer = sent as is (with the
 * Content-Type header given, else application/json), anything else = JSON. Answers carry
 * `bytes` (a Buffer) besides `text`, for binary bodies.
 */
export class Client {
  constructor(url, { cookieName = 'fy_session' } = {}) {
    this.url = url;
    this.cookieName = cookieName; // fy_staff for site staff (see lib/vax.mjs)
    this.cookie = null;
    this.csrf = null;
    this.me = null;
  }

  async request(method, p, body, { headers = {}, csrf = true, redirect = 'manual' } = {}) {
    const h = { ...headers };
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
    }
    if (this.cookie) h.Cookie = `${this.cookieName}=${this.cookie}`;
    if (csrf && this.csrf && method !== 'GET') h['X-CSRF-Token'] = this.csrf;
    const res = await fetch(this.url + p, { method, headers: h, body: payload, redirect });
    const bytes = Buffer.from(await res.arrayBuffer()); // binary answers (PNG, xlsx) intact
    const text = bytes.toString('utf8');
    const ct = res.headers.get('content-type') || '';
    let parsed = text;
    if (/json/.test(ct) && text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    const setCookie = res.headers.getSetCookie ? res.headers.getSetCookie() : [];
    for (const c of setCookie) {
      const m = c.startsWith(`${this.cookieName}=`) ? /^[^=]+=([^;]*)/.exec(c) : null;
      if (m) this.cookie = m[1] && !/Max-Age=0\b/i.test(c) ? m[1] : null;
    }
    return { status: res.status, body: parsed, headers: res.headers, text, bytes, setCookie };
  }

  get(p, opts) {
    return this.request('GET', p, undefined, opts);
  }
  post(p, body, opts) {
    return this.request('POST', p, body, opts);
  }
  put(p, body, opts) {
    return this.request('PUT', p, body, opts);
  }
  del(p, opts) {
    return this.request('DELETE', p, undefined, opts);
  }

  /** POST /auth/login; on 200 the client keeps the session and the CSRF token. */
  async login(username, password = DEMO_PASSWORD, extra = {}) {
    const res = await this.post('/api/v1/auth/login', { username, password, captcha: 'test', ...extra });
    if (res.status === 200) {
      this.csrf = res.body.csrfToken;
      this.me = res.body;
    }
    return res;
  }

  /** GET every page of a list route and return all items. */
  async all(p, pageSize = 200) {
    const items = [];
    for (let page = 1; ; page++) {
      const sep = p.includes('?') ? '&' : '?';
      const res = await this.get(`${p}${sep}page=${page}&pageSize=${pageSize}`);
      if (res.status !== 200) throw new Error(`GET ${p} answered ${res.status}: ${res.text}`);
      items.push(...res.body.items);
      if (res.body.items.length < pageSize || items.length >= res.body.total) return items;
    }
  }
}

// Servers still running when this process exits (a crash, a closed stdout pipe, a test
// runner cancelling the file) are killed rather than left behind.
const live = new Set();
process.on('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/**
 * Starts `fangyi serve` on a fresh data directory and database (with demo data unless
 * demo=false; with --test-mode unless testMode=false; SMS sender off unless smsDispatch; in test
 * mode the vaccination jobs (auto-release, reminders) off unless jobs, so that they run only when
 * a test calls POST /api/v1/test/vaccination/jobs). `env` adds environment variables of every
 * `fangyi serve` process it starts (e.g. {FANGYI_RATE_IP: '0'}).
 * Returns {url, dataDir, dbUrl, logFile, client(), login(username, password?), restart(), crash(),
 * peer(), stop(), exitCode}.
 */
export async function startServer({ demo = true, smsDispatch = false, testMode = true, webDir = null, jobs = false, env = {} } = {}) {
  if (!fs.existsSync(BIN)) throw new Error(`server binary not found: ${BIN} (build it or set FANGYI_BIN)`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fangyi-api-'));
  let pgDb = null;
  let dbUrl;
  if (DB_KIND === 'postgres') {
    pgDb = `fy_${crypto.randomBytes(6).toString('hex')}`;
    await psql('postgres', `CREATE DATABASE ${pgDb}`);
    dbUrl = `${PG_BASE}/${pgDb}`;
  } else {
    dbUrl = `sqlite:${path.join(dataDir, 'fangyi.db')}`;
  }
  const logFile = path.join(dataDir, 'server.log');
  if (demo) {
    const { stdout, stderr } = await run(BIN, ['demo-data', '--data-dir', dataDir, '--db', dbUrl]);
    fs.writeFileSync(path.join(dataDir, 'demo-data.log'), stdout + stderr);
  }

  let proc;
  let url;
  let exited = null;
  let crashed = false; // killed by crash() and not restarted yet
  const peers = new Set();
  // Starts one `fangyi serve` on this data directory and database and waits until it is ready;
  // returns {child, url}; child.exitPromise resolves to {code, signal} when it exits.
  const spawnReady = async (withJobs) => {
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const u = `http://127.0.0.1:${port}`;
      const args = ['serve', '--data-dir', dataDir, '--db', dbUrl, '--listen', `127.0.0.1:${port}`];
      if (testMode) args.push('--test-mode');
      if (webDir) args.push('--web-dir', webDir);
      if (!smsDispatch) args.push('--no-sms-dispatch');
      if (testMode && !withJobs) args.push('--no-jobs');
      const fd = fs.openSync(logFile, 'a');
      // Every test client is 127.0.0.1: the public rate limits are off unless a test sets them.
      const limits = { FANGYI_RATE_IP: '0', FANGYI_RATE_ID: '0' };
      const child = spawn(BIN, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...limits, ...env } });
      fs.closeSync(fd);
      live.add(child);
      let gone = null;
      child.exitPromise = new Promise((resolve) =>
        child.on('exit', (code, signal) => {
          live.delete(child);
          gone = { code, signal };
          if (child === proc) exited = gone;
          resolve(gone);
        }),
      );
      const deadline = Date.now() + 20000;
      let ready = false;
      while (Date.now() < deadline && !gone) {
        try {
          const r = await fetch(`${u}/readyz`);
          if (r.status === 200) {
            ready = true;
            break;
          }
        } catch {
          /* not listening yet */
        }
        await sleep(50);
      }
      if (ready) return { child, url: u };
      if (!gone) child.kill('SIGKILL');
      await child.exitPromise;
      if (attempt >= 2) {
        throw new Error(`server did not become ready:\n${fs.readFileSync(logFile, 'utf8').slice(-4000)}`);
      }
    }
  };
  const launch = async (withJobs) => {
    exited = null;
    crashed = false;
    const started = await spawnReady(withJobs);
    proc = started.child;
    url = started.url;
  };
  await launch(jobs);

  const server = {
    url,
    dataDir,
    dbUrl,
    pgDb,
    logFile,
    proc,
    exitCode: undefined,
    client: () => new Client(url),
    /** A signed-in client; throws unless the sign-in answers 200. */
    async login(username, password = DEMO_PASSWORD) {
      const c = new Client(url);
      const res = await c.login(username, password);
      if (res.status !== 200) throw new Error(`login ${username} answered ${res.status}: ${res.text}`);
      return c;
    },
    /**
     * SIGTERM (must exit 0), then a new process on the same data directory and database, as
     * after a restart (after crash(): only the new process); `url` changes (clients made before
     * hold the old one). jobs as in startServer. Sessions survive, the test clock does not (it
     * lives in the process).
     */
    async restart({ jobs: withJobs = jobs } = {}) {
      if (!crashed) {
        // After crash() the process is gone already: the new one recovers the same database.
        if (exited) throw new Error('server is not running');
        proc.kill('SIGTERM');
        const result = await proc.exitPromise;
        if (result.code !== 0) throw new Error(`server exited with ${result.code ?? result.signal} on restart (log: ${logFile})`);
      }
      await launch(withJobs);
      server.url = url;
      server.proc = proc;
      return server;
    },
    /**
     * SIGKILL (`kill -9`) of the running process, as a power cut would do: no clean shutdown,
     * requests in flight are cut off. Resolves once the process is gone; restart() then brings
     * a new process up on the same data directory and database (no demo data again), and
     * stop() without a restart only cleans up. Peers keep running.
     */
    async crash() {
      if (exited) throw new Error(`server is not running (it exited with ${exited.code ?? exited.signal}; log: ${logFile})`);
      proc.kill('SIGKILL');
      const result = await proc.exitPromise;
      if (result.signal !== 'SIGKILL') throw new Error(`server exited with ${result.code ?? result.signal} before the SIGKILL (log: ${logFile})`);
      crashed = true;
      return result;
    },
    /**
     * A second process serving the same data directory and database (as with several nodes
     * behind a load balancer): {url, client(), login(username), stop()}. Its test clock is its
     * own. stop() of the server stops its peers too.
     */
    async peer({ jobs: withJobs = false } = {}) {
      const { child, url: peerUrl } = await spawnReady(withJobs);
      peers.add(child);
      return {
        url: peerUrl,
        client: () => new Client(peerUrl),
        async login(username, password = DEMO_PASSWORD) {
          const c = new Client(peerUrl);
          const res = await c.login(username, password);
          if (res.status !== 200) throw new Error(`login ${username} answered ${res.status}: ${res.text}`);
          return c;
        },
        async stop() {
          peers.delete(child);
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const result = await child.exitPromise;
          if (result.code !== 0) throw new Error(`peer exited with ${result.code ?? result.signal} (log: ${logFile})`);
          return result.code;
        },
      };
    },
    /** The server's stdout/stderr so far (also after stop(), when the directory is gone). */
    log: () => server.finalLog ?? fs.readFileSync(logFile, 'utf8'),
    /** SIGTERM (or the given signal), wait, clean up; returns the exit code and throws when it is not 0. */
    async stop(signal = 'SIGTERM') {
      if (server.exitCode !== undefined) return server.exitCode;
      for (const child of peers) {
        child.kill('SIGTERM');
        await child.exitPromise;
      }
      peers.clear();
      let result = exited;
      if (!result) {
        proc.kill(signal);
        let timer;
        const timeout = new Promise((r) => {
          timer = setTimeout(() => r(null), 15000);
        });
        result = await Promise.race([proc.exitPromise, timeout]);
        clearTimeout(timer);
        if (!result) {
          proc.kill('SIGKILL');
          await proc.exitPromise;
          server.exitCode = 'timeout';
          throw new Error(`server did not stop within 15 s of SIGTERM (log: ${logFile})`);
        }
      }
      // A process killed by crash() and not restarted: nothing left to stop, and no failure.
      const ok = result.code === 0 || (crashed && result.signal === 'SIGKILL');
      server.exitCode = result.code;
      server.finalLog = fs.readFileSync(logFile, 'utf8');
      if (!KEEP) {
        if (pgDb) await psql('postgres', `DROP DATABASE IF EXISTS ${pgDb} WITH (FORCE)`).catch(() => {});
        if (ok) fs.rmSync(dataDir, { recursive: true, force: true });
      }
      if (!ok)
        throw new Error(`server exited with ${result.code ?? result.signal} after SIGTERM (log: ${logFile})`);
      return result.code;
    },
  };
  return server;
}

// ---------------------------------------------------------------------------------------
// Helpers shared by the test files.

/** Flattens a region tree ({items:[node{children}]}) into a list of nodes. */
export function flatten(items, out = []) {
  for (const n of items) {
    out.push(n);
    flatten(n.children || [], out);
  }
  return out;
}

/**
 * The demo city as the given (city-level) client sees it:
 * {nodes: Map name->node, nodeList, users: Map username->user, roles: Map code->role}.
 */
export async function demoFixtures(admin) {
  const tree = await admin.get('/api/v1/region/tree');
  if (tree.status !== 200) throw new Error(`tree answered ${tree.status}`);
  const nodeList = flatten(tree.body.items);
  const nodes = new Map(nodeList.map((n) => [n.name, n]));
  const users = new Map((await admin.all('/api/v1/iam/users')).map((u) => [u.username, u]));
  const roles = new Map((await admin.all('/api/v1/iam/roles')).map((r) => [r.code, r]));
  return { nodes, nodeList, users, roles };
}

/**
 * Creates an account through the API (as `creator`), signs it in and changes its initial
 * password, so it is ready to use. Returns {client, user, password}.
 */
export async function createReadyUser(server, creator, { regionId, roleIds = [], phone, username } = {}) {
  username = username || uniq('u-');
  const initial = 'Init1234a';
  const body = { username, nickname: `测试${username}`, regionId, roleIds, password: initial };
  if (phone) body.phone = phone;
  const res = await creator.post('/api/v1/iam/users', body);
  if (res.status !== 201) throw new Error(`create user answered ${res.status}: ${res.text}`);
  const client = server.client();
  const login = await client.login(username, initial);
  if (login.status !== 200) throw new Error(`login ${username} answered ${login.status}: ${login.text}`);
  const password = 'Ready5678b';
  const ch = await client.post('/api/v1/auth/password', { oldPassword: initial, newPassword: password });
  if (ch.status !== 204) throw new Error(`password change answered ${ch.status}: ${ch.text}`);
  return { client, user: res.body, password };
}

/** Asserts an RFC 7807 answer with the given status and code; returns the body. */
export function expectProblem(assert, res, status, code, msg = '') {
  const where = `${msg} → ${res.status} ${res.text.slice(0, 300)}`;
  assert.equal(res.status, status, `expected ${status} ${code ?? ''}: ${where}`);
  assert.match(res.headers.get('content-type') || '', /^application\/problem\+json/, `problem content-type: ${where}`);
  assert.equal(typeof res.body, 'object', `problem body is JSON: ${where}`);
  assert.equal(res.body.status, status, `problem.status: ${where}`);
  if (code) assert.equal(res.body.code, code, `problem.code: ${where}`);
  assert.ok(typeof res.body.type === 'string' && res.body.type.length > 0, `problem.type: ${where}`);
  assert.ok(typeof res.body.title === 'string', `problem.title: ${where}`);
  assert.ok(Array.isArray(res.body.errors), `problem.errors: ${where}`);
  return res.body;
}

/** The fields named in a problem's errors[]. */
export function errorFields(res) {
  return (res.body && Array.isArray(res.body.errors) ? res.body.errors : []).map((e) => e.field);
}

/** Today's date in the city's zone (UTC+8) as yyyy-mm-dd. */
export function cityDate(offsetDays = 0) {
  return new Date(Date.now() + 8 * 3600e3 + offsetDays * 86400e3).toISOString().slice(0, 10);
}

export { sleep };
