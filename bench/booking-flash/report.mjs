// Turns what run.sh collected for one database into the benchmark's JSON line (stdout).
//
//   node report.mjs DIR
//
// DIR holds: meta.txt (key=value lines written by run.sh), book.json and soldout.json (the wrk
// script's results), nginx.txt (wrk's output against nginx), baseline.txt (pgbench's output,
// PostgreSQL only). Exit status 3 when an invariant is broken (the line is printed anyway).
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const read = (f) => {
  try {
    return fs.readFileSync(path.join(dir, f), 'utf8');
  } catch {
    return null;
  }
};
const readJson = (f) => {
  const t = read(f);
  return t ? JSON.parse(t) : null;
};
const meta = Object.fromEntries(
  (read('meta.txt') || '')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const num = (k) => (meta[k] === undefined || meta[k] === '' ? null : Number(meta[k]));
const round = (x, d = 0) => (x == null || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);
const div = (a, b) => (a == null || b == null || !b ? null : a / b);

const db = meta.db;
const book = readJson('book.json');
const sold = readJson('soldout.json');
const nginxSold = readJson('nginx-soldout.json');

// ---- nginx: "Requests/sec:  12345.67" of plain wrk
const nginxRps = (() => {
  const m = /Requests\/sec:\s+([\d.]+)/.exec(read('nginx.txt') || '');
  return m ? Number(m[1]) : null;
})();

// ---- PostgreSQL baseline: pgbench "tps = 1234.5 (without initial connection time)"
const baseline = (() => {
  const t = read('baseline.txt');
  if (!t) return null;
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(t);
  const lat = /latency average = ([\d.]+) ms/.exec(t);
  const tx = /number of transactions actually processed: (\d+)/.exec(t);
  const failed = /number of failed transactions: (\d+)/.exec(t);
  return {
    tps: tps ? Number(tps[1]) : null,
    latency_avg_ms: lat ? Number(lat[1]) : null,
    transactions: tx ? Number(tx[1]) : null,
    failed: failed ? Number(failed[1]) : null,
  };
})();

const statusOf = (r) =>
  r && {
    201: r.status_201,
    '409_slot_full': r.status_409_slot_full,
    '409_other': r.status_409_other,
    422: r.status_422,
    429: r.status_429,
    '4xx_other': r.status_4xx_other,
    '5xx': r.status_5xx,
    other: r.status_other,
  };
const errorsOf = (r) => r && { connect: r.errors_connect, read: r.errors_read, write: r.errors_write, timeout: r.errors_timeout };

// ---- booking phase: from the first request to the 201 that took the last place
const quota = num('quota');
const acked = book ? book.status_201 : null;
const phaseSeconds = book && book.last_201_us > book.first_request_us ? (book.last_201_us - book.first_request_us) / 1e6 : null;
const bookingsPerS = div(acked, phaseSeconds);
const soldOut = !!(book && book.status_409_slot_full > 0);

// ---- sold-out phase: 409 slot_full answers per second over wrk's -d
const soldSeconds = sold ? sold.duration_us / 1e6 : null;
const soldPerS = sold ? div(sold.status_409_slot_full, soldSeconds) : null;

// ---- invariants (counted in the database after both phases)
const booked = num('db_active_bookings');
const slotBooked = num('db_slot_booked');
const oversold = booked == null ? null : Math.max(0, booked - quota, (slotBooked ?? 0) - quota);
const doubleBooked = num('db_double_booked');
const lostAcks = booked == null || acked == null ? null : Math.max(0, acked - booked);

const baselinePerS = baseline ? baseline.tps : null;
const cpu = num('server_cpu_s');

// ---- the booking phase's CPU per booking by server thread name (fy-writer, fy-http, …)
const ticksByName = (f) => {
  const out = {};
  for (const l of (read(f) || '').split('\n').filter(Boolean)) {
    const [name, ticks] = l.split(' ');
    out[name] = (out[name] || 0) + Number(ticks);
  }
  return out;
};
const threadsUs = (() => {
  const [t0, t1] = [ticksByName('threads0.txt'), ticksByName('threads1.txt')];
  const tck = num('clk_tck');
  if (!tck || !acked || !Object.keys(t1).length) return null;
  const rows = Object.entries(t1)
    .map(([name, t]) => [name, round((((t - (t0[name] || 0)) / tck) * 1e6) / acked, 1)])
    .filter(([, us]) => us >= 0.5)
    .sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(rows);
})();

const targets =
  db === 'sqlite'
    ? { bookings_per_s: 40000, ratio_vs_nginx: 0.45, p99_ms: 10, soldout_ratio_vs_nginx: 0.9, ratio_vs_baseline: null }
    : { bookings_per_s: 20000, ratio_vs_nginx: null, p99_ms: null, soldout_ratio_vs_nginx: null, ratio_vs_baseline: 8 };

const out = {
  db,
  connections: num('connections'),
  wrk_threads: num('threads'),
  idempotency_keys: num('idempotency_keys') === 1,
  quota,
  booked,
  acked_201: acked,
  slot_booked: slotBooked,
  oversold,
  double_booked: doubleBooked,
  lost_acks: lostAcks,
  sold_out: soldOut,
  bookings_per_s: round(bookingsPerS),
  phase_seconds: round(phaseSeconds, 3),
  p50_ms: book ? round(book.lat_p50_us / 1000, 2) : null,
  p90_ms: book ? round(book.lat_p90_us / 1000, 2) : null,
  p99_ms: book ? round(book.lat_p99_us / 1000, 2) : null,
  max_ms: book ? round(book.lat_max_us / 1000, 2) : null,
  soldout_answers_per_s: round(soldPerS),
  soldout_seconds: round(soldSeconds, 2),
  soldout_p50_ms: sold ? round(sold.lat_p50_us / 1000, 2) : null,
  soldout_p99_ms: sold ? round(sold.lat_p99_us / 1000, 2) : null,
  nginx_static_rps: round(nginxRps),
  nginx_seconds: num('nginx_seconds'),
  nginx_same_client_rps: nginxSold ? round(div(nginxSold.status_409_slot_full, nginxSold.duration_us / 1e6)) : null,
  ratio_vs_nginx: round(div(bookingsPerS, nginxRps), 3),
  soldout_ratio_vs_nginx: round(div(soldPerS, nginxRps), 3),
  baseline_per_s: round(baselinePerS),
  ratio_vs_baseline: round(div(bookingsPerS, baselinePerS), 2),
  baseline: baseline ? { clients: num('baseline_clients'), seconds: num('baseline_seconds'), ...baseline } : null,
  status: statusOf(book),
  soldout_status: statusOf(sold),
  wrk_errors: errorsOf(book),
  soldout_wrk_errors: errorsOf(sold),
  other_answer_sample: (book && book.sample_other) || (sold && sold.sample_other) || null,
  server_cpu_s: cpu,
  server_cpu_us_per_booking: round(div(cpu, acked) * 1e6, 1),
  server_threads_us_per_booking: threadsUs,
  soldout_server_cpu_s: num('soldout_server_cpu_s'),
  server_rss_peak_mb: num('server_rss_peak_mb'),
  keyed_on_full: meta.keyed_on_full_memory ? { memory: num('keyed_on_full_memory'), read: num('keyed_on_full_read') } : null,
  search_terms: {
    pending_after_soldout: num('terms_pending_after_soldout'),
    catch_up_s: num('terms_catch_up_s'),
    pending_after_wait: num('terms_pending_after_wait'),
  },
  server_5xx: num('server_5xx'),
  server_log_errors: num('server_log_errors'),
  server_flags: meta.server_flags || null,
  loadavg_1m: num('loadavg_1m'),
  target_bookings_per_s: targets.bookings_per_s,
  target_ratio_vs_nginx: targets.ratio_vs_nginx,
  target_p99_ms: targets.p99_ms,
  target_soldout_ratio_vs_nginx: targets.soldout_ratio_vs_nginx,
  target_ratio_vs_baseline: targets.ratio_vs_baseline,
};

// ---- which targets were missed (invariants first)
const missed = [];
const invariantsOk = soldOut && oversold === 0 && doubleBooked === 0 && lostAcks === 0 && booked === quota;
if (!soldOut) missed.push('sold_out');
if (oversold !== 0) missed.push('oversold');
if (doubleBooked !== 0) missed.push('double_booked');
if (lostAcks !== 0) missed.push('lost_acks');
if (booked !== quota) missed.push('booked');
const atLeast = (name, value, target) => {
  if (target != null && !(value != null && value >= target)) missed.push(name);
};
atLeast('bookings_per_s', out.bookings_per_s, targets.bookings_per_s);
atLeast('ratio_vs_nginx', out.ratio_vs_nginx, targets.ratio_vs_nginx);
atLeast('soldout_ratio_vs_nginx', out.soldout_ratio_vs_nginx, targets.soldout_ratio_vs_nginx);
atLeast('ratio_vs_baseline', out.ratio_vs_baseline, targets.ratio_vs_baseline);
if (targets.p99_ms != null && !(out.p99_ms != null && out.p99_ms <= targets.p99_ms)) missed.push('p99_ms');
out.ok = missed.length === 0;
out.missed = missed;

process.stdout.write(JSON.stringify(out) + '\n');
process.exit(invariantsOk ? 0 : 3);
