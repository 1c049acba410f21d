// Helpers of the vaccination tests (SPEC V1–V15): valid ID numbers, fixtures (sites, slots,
// staff, bookings), the test clock and jobs, a site-staff client, and just enough zip/xlsx
// to read the server's exports and to build an upload.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

import { Client, DB_KIND, PG_BASE, cityDate, demoFixtures, randomPhone, uniq } from './harness.mjs';

export const VAX = '/api/v1/vaccination';
export const PUB = '/api/v1/public/vaccination';
export const SITE = '/api/v1/site';
export const VERO_CODE = '1379696357380038657'; // 2 doses, ≥ 21 days apart
export const CHO_CODE = '1379696399016894466'; // 3 doses, ≥ 28 days apart
export const ADENO_CODE = '1383976849669963777'; // 1 dose
export const HOUR = 3600e3;
export const DAY = 24 * HOUR;

// ------------------------------------------------------------------------ ID numbers

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** GB 11643 check character of the first 17 digits. */
export function idCheck(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return '10X98765432'[sum % 11];
}

// Area codes of other provinces than the demo data's 320404, so tails rarely collide with it.
const AREAS = ['110101', '310104', '440305', '330106', '420102', '510107', '610113', '370202', '210202', '350203'];
const issued = new Set();

/**
 * A valid 18-digit resident ID number, unique in this process. birth = 'YYYYMMDD', or age =
 * completed years on the city's today (born `age` years and 10 days ago); default 1960–1999.
 */
export function idNumber({ birth, age, area } = {}) {
  for (;;) {
    let b = birth;
    if (!b && age !== undefined) {
      const today = cityDate(-10);
      b = `${Number(today.slice(0, 4)) - age}${today.slice(5, 7)}${today.slice(8, 10)}`;
      if (b.endsWith('0229')) b = `${b.slice(0, 6)}28`;
    }
    if (!b) {
      const d = new Date(Date.UTC(1960, 0, 1) + crypto.randomInt(40 * 365) * DAY);
      b = d.toISOString().slice(0, 10).replaceAll('-', '');
    }
    const first = (area || AREAS[crypto.randomInt(AREAS.length)]) + b + String(crypto.randomInt(1000)).padStart(3, '0');
    const id = first + idCheck(first);
    if (!issued.has(id)) {
      issued.add(id);
      return id;
    }
  }
}

/** The same ID number with a wrong check character. */
export function badCheck(id) {
  const c = id[17];
  return id.slice(0, 17) + (c === '0' ? '1' : '0');
}

export function passportNumber() {
  return `E${crypto.randomInt(1e7, 1e8)}`;
}

/** Masked the way X6 says: first 4, last 4. */
export const maskId = (id) => `${id.slice(0, 4)}**********${id.slice(-4)}`;
export const maskPhone = (p) => `${p.slice(0, 3)}****${p.slice(-4)}`;

// ------------------------------------------------------------------------ time

/** Epoch ms of a local (UTC+8) date and HH:MM. */
export const cityMs = (date, hm = '00:00') => Date.parse(`${date}T${hm}:00+08:00`);

/** Moves the server clock so that it reads `targetMs` now; returns the server's now. */
export async function clockTo(client, targetMs) {
  const res = await client.post('/api/v1/test/clock', { offsetMs: Math.round(targetMs - Date.now()) });
  assert.equal(res.status, 200, `clock: ${res.text}`);
  return res.body.nowMs;
}

export async function clockOffset(client, offsetMs) {
  const res = await client.post('/api/v1/test/clock', { offsetMs });
  assert.equal(res.status, 200, `clock: ${res.text}`);
  return res.body.nowMs;
}

export const resetClock = (client) => clockOffset(client, 0);

/** Runs auto-release and reminders now (test mode); returns {released, reminded}. */
export async function runJobs(client) {
  const res = await client.post('/api/v1/test/vaccination/jobs');
  assert.equal(res.status, 200, `jobs: ${res.text}`);
  return res.body;
}

// ------------------------------------------------------------------------ the demo world

/**
 * What the vaccination tests use of the demo city, as the city admin sees it:
 * {nodes, nodeList, users, roles, vaccines: {vero, cho, adeno}, links: Map name -> link row,
 *  sites: Map street name -> demo site, grid(name), street(name)}.
 */
export async function vaxWorld(admin) {
  const fx = await demoFixtures(admin);
  const vs = (await admin.get(`${VAX}/vaccines`)).body.items;
  const byCode = (c) => vs.find((v) => v.code === c);
  const links = new Map((await admin.get(`${VAX}/links`)).body.items.map((l) => [l.name, l]));
  const sites = new Map((await admin.all(`${VAX}/sites`)).map((s) => [s.streetName, s]));
  return {
    ...fx,
    vaccines: { vero: byCode(VERO_CODE), cho: byCode(CHO_CODE), adeno: byCode(ADENO_CODE) },
    links,
    sites,
    node: (name) => {
      const n = fx.nodes.get(name);
      if (!n) throw new Error(`no region ${name}`);
      return n;
    },
  };
}

// ------------------------------------------------------------------------ fixtures

export async function createSite(client, streetId, extra = {}) {
  const res = await client.post(`${VAX}/sites`, { streetId, name: uniq('接种点'), address: '人民路8号', ...extra });
  assert.equal(res.status, 201, `create site: ${res.text}`);
  return res.body;
}

/** A slot (default: personal, tomorrow 08:00–20:00, quota 10). */
export async function createSlot(client, { siteId, vaccineId, type = 'personal', date = cityDate(1), startTime = '08:00', endTime = '20:00', quota = 10, ...extra }) {
  const res = await client.post(`${VAX}/slots`, { type, vaccineId, siteId, date, startTime, endTime, quota, remark: '测试号源', ...extra });
  assert.equal(res.status, 201, `create slot: ${res.text}`);
  return res.body;
}

export async function getSlot(client, id) {
  const res = await client.get(`${VAX}/slots/${id}`);
  assert.equal(res.status, 200, `slot ${id}: ${res.text}`);
  return res.body;
}

export async function getBooking(client, id) {
  const res = await client.get(`${VAX}/bookings/${id}`);
  assert.equal(res.status, 200, `booking ${id}: ${res.text}`);
  return res.body;
}

/** Creates a staff member (核销人员) of a site; returns {staff, passcode}. */
export async function createStaff(client, siteId, name = uniq('护士')) {
  const res = await client.post(`${VAX}/staff`, { siteId, name });
  assert.equal(res.status, 201, `create staff: ${res.text}`);
  const { passcode, ...staff } = res.body;
  return { staff, passcode };
}

/** A valid citizen booking body; any field may be overridden. */
export function bookingBody({ token, slotId, gridId, ...rest }) {
  return {
    token,
    slotId,
    gridId,
    doseNo: 1,
    name: uniq('接种人'),
    idType: 'id_card',
    idNumber: idNumber(),
    phone: randomPhone('135'),
    address: '人民路1号',
    consent: true,
    ...rest,
  };
}

/**
 * POSTs a citizen booking (anonymous client); with `expect` (a status) asserts it. Returns the
 * answer, with `sent` = the body sent.
 */
export async function book(client, fields, { expect, headers } = {}) {
  const body = bookingBody(fields);
  const res = await client.post(`${PUB}/bookings`, body, { headers });
  if (expect !== undefined) assert.equal(res.status, expect, `book ${JSON.stringify(body)}: ${res.text}`);
  res.sent = body;
  return res;
}

/**
 * A booking as the admin sees it: books through the public link and finds it by its code.
 * Returns {booking (admin shape), pub (public answer), sent}.
 */
export async function bookFor(server, admin, fields) {
  const res = await book(server.client(), fields, { expect: 201 });
  const found = await admin.get(`${VAX}/bookings?keyword=${res.body.code}`);
  assert.equal(found.status, 200, found.text);
  assert.equal(found.body.items.length, 1, `booking ${res.body.code} listed once`);
  return { booking: found.body.items[0], pub: res.body, sent: res.sent };
}

/** SMS outbox rows (as the admin sees them) whose text holds `needle`. */
export async function smsWith(admin, needle) {
  return (await admin.all('/api/v1/notify/sms')).filter((m) => m.content.includes(needle));
}

// ------------------------------------------------------------------------ site staff

/** A client of the site-staff phone pages: cookie fy_staff, CSRF token from the sign-in. */
export function siteClient(server) {
  const c = new Client(server.url, { cookieName: 'fy_staff' });
  c.staffLogin = async (name, passcode) => {
    const res = await c.post(`${SITE}/login`, { name, passcode });
    if (res.status === 200) c.csrf = res.body.csrfToken;
    return res;
  };
  return c;
}

/** A signed-in site-staff client of a new staff member of the site. */
export async function staffOf(server, admin, siteId) {
  const { staff, passcode } = await createStaff(admin, siteId);
  const c = siteClient(server);
  const res = await c.staffLogin(staff.name, passcode);
  assert.equal(res.status, 200, `staff login: ${res.text}`);
  c.staff = staff;
  c.passcode = passcode;
  return c;
}

// ------------------------------------------------------------------------ zip and xlsx

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The entries of a zip file: Map name -> Buffer. */
export function unzip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= 0; i--)
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new Error('not a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map();
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const data = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(data, data + size);
    out.set(name, method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** A zip of stored (uncompressed) entries: files = [[name, string|Buffer]]. */
export function zip(files) {
  const locals = [];
  const central = [];
  let offset = 0;
  for (const [name, content] of files) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const n = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(0x0800, 6); // UTF-8 names
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(n.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0x0800, 8);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(data.length, 20);
    ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(n.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, n, data);
    central.push(ch, n);
    offset += lh.length + n.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const xmlDecode = (s) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
const xmlEncode = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function colIndex(ref) {
  const letters = /^[A-Z]+/.exec(ref)[0];
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/** Rows of the first worksheet of an .xlsx as arrays of strings (shared and inline strings, numbers). */
export function xlsxRows(buf) {
  const files = unzip(buf);
  const shared = [];
  const sst = files.get('xl/sharedStrings.xml');
  if (sst) {
    for (const si of sst.toString('utf8').matchAll(/<si>([\s\S]*?)<\/si>/g))
      shared.push([...si[1].matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((m) => xmlDecode(m[1])).join(''));
  }
  const sheetName = [...files.keys()].filter((k) => /^xl\/worksheets\/sheet\d+\.xml$/.test(k)).sort()[0];
  const sheet = files.get(sheetName).toString('utf8');
  const rows = [];
  for (const row of sheet.matchAll(/<row[^>]*>([\s\S]*?)<\/row>/g)) {
    const cells = [];
    for (const c of row[1].matchAll(/<c r="([A-Z]+\d+)"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const [, ref, attrs, inner = ''] = c;
      const type = /t="(\w+)"/.exec(attrs)?.[1];
      let value = '';
      if (type === 's') value = shared[Number(/<v>(\d+)<\/v>/.exec(inner)?.[1])] ?? '';
      else if (type === 'inlineStr') value = [...inner.matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((m) => xmlDecode(m[1])).join('');
      else value = xmlDecode(/<v>([\s\S]*?)<\/v>/.exec(inner)?.[1] ?? '');
      cells[colIndex(ref)] = value;
    }
    rows.push(Array.from(cells, (v) => v ?? ''));
  }
  return rows;
}

function colName(i) {
  let s = '';
  for (i += 1; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(65 + ((i - 1) % 26)) + s;
  return s;
}

/** A minimal .xlsx (one sheet, inline strings) of the given rows of strings. */
export function makeXlsx(rows) {
  const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const sheetData = rows
    .map(
      (r, i) =>
        `<row r="${i + 1}">${r.map((v, j) => `<c r="${colName(j)}${i + 1}" t="inlineStr"><is><t>${xmlEncode(v)}</t></is></c>`).join('')}</row>`,
    )
    .join('');
  return zip([
    [
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    ],
    [
      '_rels/.rels',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ],
    [
      'xl/workbook.xml',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="${ns}" xmlns:r="${rel}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ],
    [
      'xl/_rels/workbook.xml.rels',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    ],
    ['xl/worksheets/sheet1.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="${ns}"><sheetData>${sheetData}</sheetData></worksheet>`],
  ]);
}

/** Asserts an .xlsx download: content type, attachment file name, zip signature; returns its rows. */
export function expectXlsx(res, namePattern = /\.xlsx/) {
  assert.equal(res.status, 200, res.text.slice(0, 300));
  assert.match(res.headers.get('content-type') || '', /spreadsheetml\.sheet/);
  assert.match(res.headers.get('content-disposition') || '', /^attachment;.*filename=/);
  assert.match(res.headers.get('content-disposition') || '', namePattern);
  assert.equal(res.bytes.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'a zip (xlsx) file');
  return xlsxRows(res.bytes);
}

/** CSV text of rows (UTF-8 with BOM, as Excel writes it). */
export function csv(rows) {
  const cell = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return '\uFEFF' + rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Audit rows of a record (newest first), optionally of one action. */
export async function auditRows(admin, entity, entityId, action) {
  const q = `entity=${entity}${entityId !== undefined ? `&entityId=${entityId}` : ''}${action ? `&action=${action}` : ''}`;
  const res = await admin.get(`/api/v1/audit/logs?pageSize=200&${q}`);
  assert.equal(res.status, 200, res.text);
  return res.body.items;
}

/** The public link page of a token (GET /public/vaccination/links/:token), asserted 200. */
export async function linkPage(client, token, query = '') {
  const res = await client.get(`${PUB}/links/${token}${query}`);
  assert.equal(res.status, 200, `link page: ${res.text}`);
  return res.body;
}

/**
 * Everything the server's database holds, as text to search (the SQLite file and its WAL read
 * as latin1, or a data-only pg_dump). Search UTF-8 text with `inStore`.
 */
export async function storedText(server) {
  if (DB_KIND === 'sqlite') {
    const parts = ['fangyi.db', 'fangyi.db-wal'].map((f) => path.join(server.dataDir, f)).filter((p) => fs.existsSync(p));
    assert.ok(parts.length >= 1, 'the SQLite file exists');
    return Buffer.concat(parts.map((p) => fs.readFileSync(p))).toString('latin1');
  }
  const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', `${PG_BASE}/${server.pgDb}`], { maxBuffer: 512 * 1024 * 1024 });
  return stdout;
}

/** Whether the stored text (see storedText) holds the UTF-8 string s. */
export const inStore = (text, s) => text.includes(s) || text.includes(Buffer.from(s, 'utf8').toString('latin1'));
