// Setup of the booking-flash benchmark (see bench/README.md), run by run.sh against a fresh
// server on 127.0.0.1: signs in as the city admin, creates the slot that is released (quota Q)
// and, with --baseline, a second slot for the PostgreSQL pgbench baseline; prints one JSON
// object on stdout with what the load client and the baseline need. Progress on stderr.
//
//   node setup.mjs --url http://127.0.0.1:PORT --quota 200000 [--baseline 1]
//
// Only node built-ins (fetch, Node 18+).
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const BASE = new URL(args.url);
if (BASE.hostname !== '127.0.0.1') throw new Error(`refusing to target ${BASE.hostname}: 127.0.0.1 only`);
const QUOTA = Number(args.quota || 200000);
const BASELINE = args.baseline === '1';

// The 1-dose vaccine (康希诺, adenovirus vector): every person's next dose is dose 1, no interval rules.
const VACCINE_CODE = '1383976849669963777';
const STREET = '永红街道';

const log = (...a) => process.stderr.write(`[setup] ${a.join(' ')}\n`);
let cookie = null;
let csrf = null;

async function call(method, path, body) {
  const headers = {};
  if (cookie) headers.Cookie = `fy_session=${cookie}`;
  if (csrf && method !== 'GET') headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(new URL(path, BASE), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const m = /fy_session=([^;]*)/.exec(res.headers.get('set-cookie') || '');
  if (m) cookie = m[1] || null;
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, json, text };
}

async function must(method, path, body, status = 200) {
  const r = await call(method, path, body);
  if (r.status !== status) throw new Error(`${method} ${path} answered ${r.status} (expected ${status}): ${r.text.slice(0, 500)}`);
  return r.json;
}

const flatten = (items, out = []) => {
  for (const n of items) {
    out.push(n);
    flatten(n.children || [], out);
  }
  return out;
};

/** The city's date (UTC+8) in `offset` days, yyyy-mm-dd. */
const cityDate = (offset = 0) => new Date(Date.now() + 8 * 3600e3 + offset * 86400e3).toISOString().slice(0, 10);

async function main() {
  const login = await must('POST', '/api/v1/auth/login', { username: 'admin', password: 'Fangyi2026', captcha: 'test' });
  csrf = login.csrfToken;

  const settings = await must('GET', '/api/v1/vaccination/settings');
  // The load client's people are born 1960–1999 (27 to 66 years old in 2026).
  if (settings.minAge > 26 || settings.maxAge < 67) throw new Error(`age rules ${settings.minAge}–${settings.maxAge} exclude people born 1960–1999`);

  const vaccine = (await must('GET', '/api/v1/vaccination/vaccines')).items.find((v) => v.code === VACCINE_CODE);
  if (!vaccine || !vaccine.enabled) throw new Error(`vaccine ${VACCINE_CODE} missing or disabled`);
  const link = (await must('GET', '/api/v1/vaccination/links')).items.find((l) => l.name === STREET);
  if (!link || !link.token) throw new Error(`no booking link of ${STREET}`);
  const nodes = flatten((await must('GET', '/api/v1/region/tree')).items);
  const grid = nodes.find((n) => n.level === 4 && n.parentId === link.regionId && n.enabled);
  if (!grid) throw new Error(`no enabled grid under ${STREET}`);
  const site = (await must('GET', '/api/v1/vaccination/sites?pageSize=100')).items.find((s) => s.streetId === link.regionId && s.enabled);
  if (!site) throw new Error(`no enabled site of ${STREET}`);

  // Tomorrow, the whole day: the slot stays open for the whole run whatever the time of day.
  const date = cityDate(1);
  const slotBody = (quota, remark) => ({ type: 'personal', vaccineId: vaccine.id, siteId: site.id, date, startTime: '00:00', endTime: '23:59', quota, remark });
  const slot = await must('POST', '/api/v1/vaccination/slots', slotBody(QUOTA, '压测放号'), 201);
  log(`slot #${slot.id}: ${vaccine.name}, ${site.name}, ${date} 00:00–23:59, quota ${QUOTA}; grid ${grid.name} (#${grid.id})`);
  let baseline = null;
  if (BASELINE) {
    // Its quota is raised in the database by run.sh (the API caps it at 1,000,000).
    baseline = await must('POST', '/api/v1/vaccination/slots', slotBody(1000000, '压测基线'), 201);
    log(`baseline slot #${baseline.id}`);
  }
  process.stdout.write(
    JSON.stringify({
      token: link.token,
      slotId: slot.id,
      baselineSlotId: baseline ? baseline.id : null,
      gridId: grid.id,
      gridPath: grid.path,
      streetId: link.regionId,
      siteId: site.id,
      vaccineId: vaccine.id,
      date,
    }) + '\n',
  );
}

main().catch((e) => {
  log(`failed: ${e.stack || e}`);
  process.exit(1);
});
