// Load client of the vaccination benchmark (see bench/README.md). Started by run.sh against a
// fresh server on 127.0.0.1; prints one JSON line per scenario on stdout, progress on stderr.
//
//   node bench.mjs --url http://127.0.0.1:PORT --pid SERVER_PID
//
// Sizes can be shrunk for a quick try (the defaults are the issue's):
//   BENCH_ROWS   rows per import file (100000)      BENCH_FILES  import files in all (10)
//   BENCH_N      requests per stats route and list requests (200)
// Only node: built-ins (http, fs); requests are sequential on one keep-alive connection.
import fs from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const BASE = new URL(args.url);
if (BASE.hostname !== '127.0.0.1') throw new Error(`refusing to target ${BASE.hostname}: 127.0.0.1 only`);
const SERVER_PID = Number(args.pid);
const ROWS = Number(process.env.BENCH_ROWS || 100000);
const FILES = Number(process.env.BENCH_FILES || 10);
const N = Number(process.env.BENCH_N || 200);

// Targets from the issue.
const TARGET = { importSeconds: 10, statsMs: 50, listMs: 50, exportSeconds: 30, exportRssMb: 200 };

const log = (...a) => process.stderr.write(`[bench] ${a.join(' ')}\n`);
const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const round = (x, d = 1) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);

// ------------------------------------------------------------------ HTTP
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
let cookie = null;
let csrf = null;
let reqSeq = 0;

/**
 * One request. Answers {status, headers, body (Buffer, unless sink), bytes, head (first 8
 * bytes), ms, rid}. With sink=true the body is counted, not kept (the 1M-row export).
 */
function request(method, path, { body, headers = {}, sink = false } = {}) {
  const rid = `bench-${process.pid}-${++reqSeq}`;
  const h = { 'X-Request-Id': rid, ...headers };
  if (cookie) h.Cookie = `fy_session=${cookie}`;
  if (csrf && method !== 'GET') h['X-CSRF-Token'] = csrf;
  let payload = null;
  if (body !== undefined) {
    payload = Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
    h['Content-Length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      { host: BASE.hostname, port: BASE.port, method, path, headers: h, agent, timeout: 0 },
      (res) => {
        const chunks = [];
        let bytes = 0;
        let head = Buffer.alloc(0);
        res.on('data', (c) => {
          if (head.length < 8) head = Buffer.concat([head, c.subarray(0, 8 - head.length)]);
          bytes += c.length;
          if (!sink) chunks.push(c);
        });
        res.on('end', () => {
          const ms = performance.now() - t0;
          for (const c of res.headers['set-cookie'] || []) {
            const m = /^fy_session=([^;]*)/.exec(c);
            if (m) cookie = m[1] || null;
          }
          resolve({ status: res.statusCode, headers: res.headers, body: sink ? null : Buffer.concat(chunks), bytes, head, ms, rid });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload != null) req.write(payload);
    req.end();
  });
}

async function getJson(path) {
  const r = await request('GET', path);
  if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${r.body.toString().slice(0, 500)}`);
  return JSON.parse(r.body.toString());
}

// ------------------------------------------------------------------ server memory
const statusOf = () => {
  try {
    return fs.readFileSync(`/proc/${SERVER_PID}/status`, 'utf8');
  } catch {
    return '';
  }
};
const kb = (status, key) => {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
};

/** utime + stime of the server process (all threads), in seconds. */
function cpuSeconds() {
  try {
    const stat = fs.readFileSync(`/proc/${SERVER_PID}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}
const CLK_TCK = 100;
/** The machine's 1-minute load average (the box may be shared: read times with it). */
const loadavg = () => Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

/**
 * Peak resident memory of the server during a scenario: VmRSS sampled every 100 ms, and VmHWM
 * when the kernel let us reset it at the start (writing 5 to /proc/PID/clear_refs), so a
 * spike between two samples is not missed either.
 */
function rssWatch() {
  let hwmReset = false;
  try {
    fs.writeFileSync(`/proc/${SERVER_PID}/clear_refs`, '5');
    hwmReset = true;
  } catch {
    /* not permitted: samples only */
  }
  const s0 = statusOf();
  const startMb = kb(s0, 'VmRSS') / 1024;
  const cpu0 = cpuSeconds();
  let peakKb = kb(s0, 'VmRSS');
  const sample = () => {
    const s = statusOf();
    peakKb = Math.max(peakKb, kb(s, 'VmRSS'), hwmReset ? kb(s, 'VmHWM') : 0);
  };
  const timer = setInterval(sample, 100);
  return {
    stop() {
      clearInterval(timer);
      sample();
      // CPU seconds the server spent: steadier than wall time on a shared machine.
      const cpu = cpuSeconds() - cpu0;
      return { server_rss_mb: round(peakKb / 1024), server_rss_start_mb: round(startMb), server_cpu_s: round(cpu, 2), loadavg_1m: loadavg() };
    },
  };
}

function pct(values, p) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
function summary(ms) {
  return { n: ms.length, p50_ms: round(pct(ms, 50)), p99_ms: round(pct(ms, 99)), max_ms: round(Math.max(...ms)) };
}

// ------------------------------------------------------------------ data generation
const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** GB 11643 check character of the first 17 digits. */
function checkChar(s17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (s17.charCodeAt(i) - 48) * W[i];
  return '10X98765432'[sum % 11];
}
// Area codes of the city other than 320404, which the demo data uses: no clash with it.
const AREAS = ['320402', '320411', '320412', '320413', '320481', '320482'];
const BIRTH0 = Date.UTC(1950, 0, 1);
const DAYS = 20000; // birth dates 1950-01-01 … 2004-10-04: everyone an adult
/**
 * The i-th person's ID (i < DAYS * 50 = 1,000,000 distinct): birth day i mod DAYS, and a
 * sequence number that is distinct per birth day and spread over 000–999, so that the last
 * four characters (the 4-digit keyword search) spread like real ones (~100 people each).
 */
function idOf(i) {
  const day = i % DAYS;
  const q = Math.floor(i / DAYS);
  if (q >= 50) throw new Error(`person ${i}: more than ${DAYS * 50} people`);
  const seq = (q + 50 * (day % 20)) % 1000;
  const birth = new Date(BIRTH0 + day * 86400e3).toISOString().slice(0, 10).replaceAll('-', '');
  const s17 = AREAS[i % AREAS.length] + birth + String(seq).padStart(3, '0');
  return s17 + checkChar(s17);
}
const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹'];
const GIVEN = [...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞华平刚桂英玉兰萍建国红梅'];
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}
const pick = (r, a) => a[Math.floor(r() * a.length)];
const VAX_DAY0 = Date.UTC(2021, 3, 1); // vaccination dates 2021-04-01 … 2022-12-31
const VAX_DAYS = 640;

/** CSV (with BOM) of people first … first+count-1, rows spread round-robin over all grids. */
function historyCsv(first, count, vaccines, grids) {
  const r = rng(first + 12345);
  const lines = ['\ufeff姓名,证件类型,身份证号,手机,疫苗编号,疫苗名称,针数,所属网格,接种日期,批号'];
  for (let k = 0; k < count; k++) {
    const i = first + k;
    const v = vaccines[i % vaccines.length];
    const dose = 1 + Math.floor(r() * v.doses);
    const name = pick(r, SURNAMES) + pick(r, GIVEN) + (r() < 0.5 ? pick(r, GIVEN) : '');
    const phone = '13' + String(800000000 + i).padStart(9, '0');
    const date = new Date(VAX_DAY0 + Math.floor(r() * VAX_DAYS) * 86400e3).toISOString().slice(0, 10);
    const grid = grids[i % grids.length];
    lines.push(`${name},身份证,${idOf(i)},${phone},${v.code},${v.name},${dose},${grid.name},${date},${date.slice(0, 7).replace('-', '')}A${1 + (i % 9)}`);
  }
  return Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
}

function flatten(items, out = []) {
  for (const n of items) {
    out.push(n);
    flatten(n.children || [], out);
  }
  return out;
}

// ------------------------------------------------------------------ scenarios
async function importFile(n, city, vaccines, grids) {
  const first = n * ROWS;
  const csv = historyCsv(first, ROWS, vaccines, grids);
  const r = await request('POST', `/api/v1/vaccination/imports?kind=history&regionId=${city.id}&filename=bench-${n + 1}.csv`, {
    body: csv,
    headers: { 'Content-Type': 'text/csv' },
  });
  let res;
  try {
    res = JSON.parse(r.body.toString());
  } catch {
    res = { raw: r.body.toString().slice(0, 500) };
  }
  if (r.status !== 200 || res.imported !== ROWS) {
    log(`import ${n + 1}: HTTP ${r.status}`, JSON.stringify({ ...res, errors: (res.errors || []).slice(0, 5) }).slice(0, 800));
    throw new Error(`import ${n + 1}: expected imported == ${ROWS}, got ${res.imported} (HTTP ${r.status})`);
  }
  return { r, res, csvBytes: csv.length };
}

async function main() {
  const login = await request('POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'Fangyi2026', captcha: 'test' } });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${login.body}`);
  csrf = JSON.parse(login.body.toString()).csrfToken;
  const tree = flatten((await getJson('/api/v1/region/tree')).items);
  const city = tree.find((n) => n.level === 1);
  const streets = tree.filter((n) => n.level === 3);
  const grids = tree.filter((n) => n.level === 4 && n.enabled);
  const vaccines = (await getJson('/api/v1/vaccination/vaccines')).items.filter((v) => v.enabled);
  // Counted by the statistics' aggregates: the booking list caps its total (totalCapped).
  const bookingsTotal = async () => (await getJson(`/api/v1/vaccination/stats/regions?regionId=${city.id}`)).total.booked;
  const before = await bookingsTotal();
  log(`city ${city.name} (#${city.id}): ${streets.length} streets, ${grids.length} grids; ${vaccines.length} vaccines; ${before} bookings before`);

  // ---- import (measured: the first file)
  {
    const w = rssWatch();
    const t0 = performance.now();
    const { csvBytes } = await importFile(0, city, vaccines, grids);
    const seconds = (performance.now() - t0) / 1000;
    const mem = w.stop();
    emit({
      scenario: 'import',
      rows: ROWS,
      seconds: round(seconds, 2),
      rows_per_s: Math.round(ROWS / seconds),
      csv_mb: round(csvBytes / 1048576),
      ...mem,
      target_seconds: TARGET.importSeconds,
      ok: seconds <= TARGET.importSeconds,
    });
  }

  // ---- data generation: the other files (not measured)
  const importTimes = [];
  for (let n = 1; n < FILES; n++) {
    const t0 = performance.now();
    await importFile(n, city, vaccines, grids);
    importTimes.push((performance.now() - t0) / 1000);
    log(`data: imported file ${n + 1}/${FILES} (${(n + 1) * ROWS} rows) in ${importTimes.at(-1).toFixed(1)} s`);
  }
  const total = await bookingsTotal();
  log(`data: ${total} bookings in all (${before} from demo-data + ${FILES * ROWS} imported)`);
  if (total !== before + FILES * ROWS) throw new Error(`expected ${before + FILES * ROWS} bookings, the statistics say ${total}`);

  // ---- stats
  {
    const w = rssWatch();
    const by = { regions: [], grids: [] };
    for (let i = 0; i < N; i++) {
      for (const kind of ['regions', 'grids']) {
        const r = await request('GET', `/api/v1/vaccination/stats/${kind}?regionId=${city.id}`);
        if (r.status !== 200) throw new Error(`stats/${kind} answered ${r.status}: ${r.body}`);
        if (i === 0) {
          const j = JSON.parse(r.body.toString());
          log(`stats/${kind}: ${j.rows.length} rows, total booked ${j.total.booked}`);
        }
        by[kind].push(r.ms);
      }
    }
    const mem = w.stop();
    const all = [...by.regions, ...by.grids];
    const s = summary(all);
    emit({
      scenario: 'stats',
      rows: total,
      requests: s.n,
      p50_ms: s.p50_ms,
      p99_ms: s.p99_ms,
      max_ms: s.max_ms,
      routes: Object.fromEntries(
        Object.entries(by).map(([k, v]) => [k, summary(v)]),
      ),
      ...mem,
      target_ms: TARGET.statsMs,
      ok: s.p99_ms <= TARGET.statsMs,
    });
  }

  // ---- list
  {
    const r = rng(777);
    const person = () => idOf(Math.floor(r() * FILES * ROWS));
    const filters = {
      none: () => '',
      vaccine_dose: () => {
        const v = pick(r, vaccines);
        return `&vaccineId=${v.id}&doseNo=${1 + Math.floor(r() * v.doses)}`;
      },
      id_last4: () => `&keyword=${person().slice(-4)}`,
      id_full: () => `&keyword=${person()}`,
      vaccinated_personal: () => '&vaccinated=true&type=personal',
      street: () => `&regionId=${pick(r, streets).id}`,
    };
    const names = Object.keys(filters);
    const by = Object.fromEntries(names.map((k) => [k, []]));
    const w = rssWatch();
    for (let i = 0; i < N; i++) {
      const kind = names[i % names.length];
      const q = filters[kind]();
      const res = await request('GET', `/api/v1/vaccination/bookings?page=1&pageSize=10${q}`);
      if (res.status !== 200) throw new Error(`bookings${q} answered ${res.status}: ${res.body}`);
      const j = JSON.parse(res.body.toString());
      if (kind === 'id_full' && j.total < 1) throw new Error(`bookings${q}: the person was not found`);
      by[kind].push(res.ms);
    }
    const mem = w.stop();
    const s = summary(Object.values(by).flat());
    emit({
      scenario: 'list',
      rows: total,
      requests: s.n,
      p50_ms: s.p50_ms,
      p99_ms: s.p99_ms,
      max_ms: s.max_ms,
      filters: Object.fromEntries(
        names.map((k) => [k, summary(by[k])]),
      ),
      ...mem,
      target_ms: TARGET.listMs,
      ok: s.p99_ms <= TARGET.listMs,
    });
  }

  // ---- export
  {
    log(`export: ${total} rows …`);
    const w = rssWatch();
    const t0 = performance.now();
    let res;
    try {
      res = await request('GET', '/api/v1/vaccination/bookings/export', { sink: true });
    } catch (e) {
      const seconds = (performance.now() - t0) / 1000;
      emit({ scenario: 'export', rows: total, error: String(e.message || e), seconds: round(seconds, 2), ...w.stop(), ok: false });
      throw new Error(`export failed after ${seconds.toFixed(1)} s: ${e.message || e}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const mem = w.stop();
    const isZip = res.head.subarray(0, 2).toString('latin1') === 'PK';
    const line = {
      scenario: 'export',
      rows: total,
      status: res.status,
      seconds: round(seconds, 2),
      mb: round(res.bytes / 1048576),
      ...mem,
      target_seconds: TARGET.exportSeconds,
      target_rss_mb: TARGET.exportRssMb,
      ok: res.status === 200 && seconds <= TARGET.exportSeconds && mem.server_rss_mb <= TARGET.exportRssMb,
    };
    emit(line);
    // 1,000,000 rows must make well over 10 MB; a shrunk run (BENCH_ROWS) only needs a body.
    const minBytes = total >= 1000000 ? 10 * 1048576 : 1;
    if (res.status !== 200 || !isZip || res.bytes <= minBytes)
      throw new Error(`export: HTTP ${res.status}, starts with ${JSON.stringify(res.head.toString('latin1', 0, 2))}, ${res.bytes} bytes (want 200, "PK", > ${minBytes} bytes)`);
  }
  agent.destroy();
}

main().catch((e) => {
  log(`FAILED: ${e.stack || e}`);
  agent.destroy();
  process.exit(1);
});
