/**
 * Vaccination admin API (docs/api/vaccination.md, section Admin).
 *
 * Every call is sent `silent` and goes through `guard`: an error whose `code` has a text under
 * `vax.errors` is shown with that text; other errors are shown as usual, except for form
 * calls (`form`), whose errors are left to useFormDialog (field errors under the items).
 */
import { ElMessage } from 'element-plus'
import {
  API_BASE,
  ApiError,
  buildQuery,
  getCsrfToken,
  http,
  isApiError,
  type ProblemBody,
  type Query,
} from '@shared/api/http'
import type { Id, Page, PageQuery } from '@shared/api/types'
import { i18n, t } from '@admin/i18n'
import { showApiError } from '@admin/utils/form'

const enc = (id: Id) => encodeURIComponent(String(id))
const S = { silent: true }

/** Codes whose server detail (or first field message) says more than the code itself. */
const WITH_DETAIL = new Set(['first_dose_given', 'invalid_file'])

/**
 * Shows a vaccination error (see the file comment). Field errors whose code has a text under
 * `vax.fieldErrors` get that text, so that useFormDialog shows it under the form item.
 */
export function showVaxError(e: unknown, form = false): void {
  if (!isApiError(e) || e.handled) return
  for (const fe of e.errors) {
    const fk = `vax.fieldErrors.${fe.code}`
    if (fe.code && i18n.global.te(fk) && !i18n.global.te(`fieldErrors.${fe.code}`))
      fe.message = t(fk)
  }
  const key = `vax.errors.${e.code}`
  if (e.code && i18n.global.te(key)) {
    e.handled = true
    const more = WITH_DETAIL.has(e.code) ? (e.errors[0]?.message ?? e.detail) : ''
    ElMessage.error({ message: t(key) + (more ? `（${more}）` : ''), grouping: true })
  } else if (!form) {
    showApiError(e)
  }
}

function guard<T>(p: Promise<T>, form = false): Promise<T> {
  return p.catch((e: unknown) => {
    showVaxError(e, form)
    throw e
  })
}

/** Lists may come back as {items, total} or as {items} without a total. */
function asPage<T>(r: { items?: T[]; total?: number } | null): Page<T> {
  const items = r?.items ?? []
  return { items, total: typeof r?.total === 'number' ? r.total : items.length }
}

// ---------------------------------------------------------------- shapes

export type SlotType = 'personal' | 'group' | 'foreign'
export const SLOT_TYPES: SlotType[] = ['personal', 'group', 'foreign']

export interface DoseRule {
  doseNo: number
  minDays: number
  maxDaysFromFirst: number | null
}

export interface Vaccine {
  id: Id
  code: string
  name: string
  nameEn: string
  manufacturer: string
  doses: number
  rules: DoseRule[]
  enabled: boolean
  sortOrder: number
}

export type VaccineBody = Omit<Vaccine, 'id' | 'enabled' | 'sortOrder'> & { sortOrder?: number }

export interface Site {
  id: Id
  streetId: Id
  streetName: string
  districtName: string
  name: string
  address: string
  enabled: boolean
  staffCount: number
  createdAt: number
}

export interface SiteBody {
  streetId: Id
  name: string
  address: string
  enabled?: boolean
}

export interface Staff {
  id: Id
  siteId: Id
  siteName: string
  name: string
  enabled: boolean
  createdAt: number
  /** Only in the answer of create and passcode reset. */
  passcode?: string
}

export interface Slot {
  id: Id
  type: SlotType
  vaccineId: Id
  vaccineName: string
  siteId: Id
  siteName: string
  streetId: Id
  streetName: string
  date: string
  startTime: string
  endTime: string
  quota: number
  booked: number
  remaining: number
  vaccinated: number
  status: 'enabled' | 'locked'
  online: boolean
  expired: boolean
  remark: string
  /** Booking this slot asks for the image captcha (anti-bot switch of a release). */
  captcha?: boolean
  createdAt: number
}

export interface SlotBody {
  type: SlotType
  vaccineId: Id
  siteId: Id
  date: string
  startTime: string
  endTime: string
  quota: number
  remark?: string
  enabled?: boolean
  /** Always sent: the server takes a missing value as false. */
  captcha?: boolean
}

export interface BookingLink {
  regionId: Id
  name: string
  /** 2 district, 3 street. */
  level: number
  population: number
  token: string
  url: string
  groupToken?: string | null
  groupUrl?: string | null
}

export type IdType = 'id_card' | 'passport' | 'other'

export interface Booking {
  id: Id
  code: string
  type: SlotType
  name: string
  idType: IdType
  idMasked: string
  phoneMasked: string
  age: number
  sex: string
  vaccineId: Id
  vaccineName: string
  doseNo: number
  slotId: Id
  date: string
  startTime: string
  endTime: string
  siteId: Id
  siteName: string
  streetId: Id
  streetName: string
  gridId: Id | null
  gridName: string
  status: 'booked' | 'cancelled'
  cancelBy: 'citizen' | 'admin' | 'system' | 'site' | null
  cancelReason: string
  checkedIn: boolean
  checkedInAt: number | null
  vaccinated: boolean
  vaccinatedAt: number | null
  lotNo: string
  vaccinator: string
  source: 'online' | 'import' | 'history'
  proxyName: string
  createdAt: number
}

export interface BookingQuery extends PageQuery {
  regionId?: Id
  keyword?: string
  type?: SlotType
  vaccineId?: Id
  doseNo?: number
  checkedIn?: boolean
  vaccinated?: boolean
  status?: 'booked' | 'cancelled'
  slotId?: Id
  siteId?: Id
  from?: string
  to?: string
}

export type ImportKind = 'booking' | 'history'

export interface ImportResult {
  total: number
  imported: number
  skipped: number
  failed: number
  errors: { row: number; field: string; reason: string }[]
}

export interface StatRow {
  regionId: Id
  name: string
  population: number
  /** Doses given per vaccine id: [dose 1, dose 2, …]. */
  doses: Record<string, number[]>
  plan: number
  firstDose: number
  fullCourse: number
  firstRate: number
  fullRate: number
  firstRank: number | null
  fullRank: number | null
}

export interface StatsAnswer {
  target: number
  vaccines: { id: Id; name: string; doses: number }[]
  rows: StatRow[]
  total: StatRow | null
}

export interface BoardTotals {
  population?: number
  plan?: number
  firstDose?: number
  fullCourse?: number
  firstRate?: number
  fullRate?: number
  booked?: number
  vaccinated?: number
  [k: string]: unknown
}

export interface BoardAnswer {
  streets: StatRow[]
  grids: StatRow[]
  days: { date: string; booked: number; vaccinated: number }[]
  totals: BoardTotals | null
}

export interface VaxSummary {
  todayBooked: number
  todayVaccinated: number
  totalVaccinated: number
  fullCourse: number
  population: number
  firstRate: number
  fullRate: number
  openSlots: number
  remainingPlaces: number
}

export interface VaxSettings {
  coverageTarget: number
  minAge: number
  maxAge: number
  releaseMinutes: Record<SlotType, number>
  notice: string
  noticeEn: string
}

// ---------------------------------------------------------------- files

/** Name of a file from a Content-Disposition header (filename* first). */
export function fileNameOf(header: string | null, fallback: string): string {
  if (!header) return fallback
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''))
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(header)
  return plain ? plain[1].trim() : fallback
}

/** Saves a Blob under `name` through a temporary link. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

async function problemOf(res: Response): Promise<ApiError> {
  let body: ProblemBody | null = null
  try {
    body = (await res.json()) as ProblemBody
  } catch {
    body = null
  }
  return new ApiError(res.status, body, res.statusText || `HTTP ${res.status}`)
}

/** GET a file (export, template) and save it, named by Content-Disposition. */
export async function downloadFile(path: string, query: Query, fallback: string): Promise<void> {
  let res: Response
  try {
    res = await fetch(API_BASE + path + buildQuery(query), {
      credentials: 'same-origin',
      headers: { Accept: '*/*' },
    })
  } catch {
    const e = new ApiError(0, { code: 'network_error' }, 'network error')
    showApiError(e)
    throw e
  }
  if (!res.ok) {
    const e = await problemOf(res)
    showVaxError(e)
    throw e
  }
  const blob = await res.blob()
  saveBlob(blob, fileNameOf(res.headers.get('Content-Disposition'), fallback))
}

/**
 * POST a file's raw bytes with XMLHttpRequest so that the upload progress can be shown.
 * `onProgress` gets 0–100 while sending; the promise settles with the JSON answer.
 */
export function uploadRaw<T>(
  path: string,
  query: Query,
  file: Blob,
  onProgress: (percent: number) => void,
): { promise: Promise<T>; abort: () => void } {
  const xhr = new XMLHttpRequest()
  const promise = new Promise<T>((resolve, reject) => {
    xhr.open('POST', API_BASE + path + buildQuery(query))
    xhr.withCredentials = true
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream')
    const csrf = getCsrfToken()
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf)
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) onProgress(Math.round((ev.loaded / ev.total) * 100))
    }
    xhr.upload.onload = () => onProgress(100)
    xhr.onerror = () => reject(new ApiError(0, { code: 'network_error' }, 'network error'))
    xhr.onabort = () => reject(new ApiError(0, { code: 'aborted' }, 'aborted'))
    xhr.onload = () => {
      let data: unknown = null
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null
      } catch {
        data = null
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as T)
      else reject(new ApiError(xhr.status, data as ProblemBody, xhr.statusText || 'HTTP error'))
    }
    xhr.send(file)
  })
  return { promise, abort: () => xhr.abort() }
}

// ---------------------------------------------------------------- routes

const V = '/vaccination'

export const vaccineApi = {
  list: () =>
    guard(http.get<{ items: Vaccine[]; total?: number }>(`${V}/vaccines`, {}, S)).then(asPage),
  /** For pickers on other pages: no message when it fails (e.g. no vax:vaccine:list). */
  options: () =>
    http.get<{ items: Vaccine[]; total?: number }>(`${V}/vaccines`, {}, S).then(asPage),
  create: (b: VaccineBody) => guard(http.post<Vaccine>(`${V}/vaccines`, b, S), true),
  update: (id: Id, b: VaccineBody) =>
    guard(http.put<Vaccine>(`${V}/vaccines/${enc(id)}`, b, S), true),
  setStatus: (id: Id, enabled: boolean) =>
    guard(http.post<void>(`${V}/vaccines/${enc(id)}/status`, { enabled }, S)),
}

export interface SiteQuery extends PageQuery {
  regionId?: Id
  keyword?: string
  enabled?: boolean
}

export const siteApi = {
  list: (q: SiteQuery) =>
    guard(http.get<{ items: Site[]; total?: number }>(`${V}/sites`, { ...q }, S)).then(asPage),
  /** For pickers on other pages: no message when it fails. */
  options: (q: SiteQuery) =>
    http.get<{ items: Site[]; total?: number }>(`${V}/sites`, { ...q }, S).then(asPage),
  create: (b: SiteBody) => guard(http.post<Site>(`${V}/sites`, b, S), true),
  update: (id: Id, b: SiteBody) => guard(http.put<Site>(`${V}/sites/${enc(id)}`, b, S), true),
  setStatus: (id: Id, enabled: boolean) =>
    guard(http.post<void>(`${V}/sites/${enc(id)}/status`, { enabled }, S)),
}

export const staffApi = {
  list: (q: PageQuery & { siteId?: Id; regionId?: Id }) =>
    guard(http.get<{ items: Staff[]; total?: number }>(`${V}/staff`, { ...q }, S)).then(asPage),
  create: (b: { siteId: Id; name: string }) =>
    guard(http.post<Staff & { passcode: string }>(`${V}/staff`, b, S), true),
  setStatus: (id: Id, enabled: boolean) =>
    guard(http.post<void>(`${V}/staff/${enc(id)}/status`, { enabled }, S)),
  resetPasscode: (id: Id) =>
    guard(http.post<Staff & { passcode: string }>(`${V}/staff/${enc(id)}/passcode`, {}, S)),
}

export interface SlotQuery extends PageQuery {
  regionId?: Id
  type?: SlotType
  vaccineId?: Id
  siteId?: Id
  date?: string
  status?: 'enabled' | 'locked' | 'online' | 'expired'
}

export const slotApi = {
  list: (q: SlotQuery) =>
    guard(http.get<{ items: Slot[]; total?: number }>(`${V}/slots`, { ...q }, S)).then(asPage),
  create: (b: SlotBody) => guard(http.post<Slot>(`${V}/slots`, b, S), true),
  update: (id: Id, b: SlotBody) => guard(http.put<Slot>(`${V}/slots/${enc(id)}`, b, S), true),
  lock: (id: Id) => guard(http.post<Slot>(`${V}/slots/${enc(id)}/lock`, {}, S)),
  release: (id: Id) => guard(http.post<Slot>(`${V}/slots/${enc(id)}/release`, {}, S)),
  addQuota: (id: Id, add: number) =>
    guard(http.post<Slot>(`${V}/slots/${enc(id)}/quota`, { add }, S)),
}

export const linkApi = {
  list: () => guard(http.get<{ items: BookingLink[] }>(`${V}/links`, {}, S)),
  rotateGroup: (regionId: Id) =>
    guard(http.post<BookingLink>(`${V}/links/${enc(regionId)}/group-token`, {}, S)),
  /** QR image of a public link (same origin, no session needed). */
  qrUrl: (token: string, ext: 'svg' | 'png' = 'svg') =>
    `${API_BASE}/public/vaccination/links/${encodeURIComponent(token)}/qr.${ext}`,
}

const bookingQuery = (q: BookingQuery): Query => ({ ...q })

export const bookingApi = {
  list: (q: BookingQuery) =>
    guard(http.get<{ items: Booking[]; total?: number }>(`${V}/bookings`, bookingQuery(q), S)).then(
      asPage,
    ),
  get: (id: Id) => guard(http.get<Booking>(`${V}/bookings/${enc(id)}`, {}, S)),
  reveal: (id: Id) =>
    guard(http.post<{ idNumber: string; phone: string }>(`${V}/bookings/${enc(id)}/reveal`, {}, S)),
  update: (id: Id, b: { name: string; phone?: string; gridId: Id | null }) =>
    guard(http.put<Booking>(`${V}/bookings/${enc(id)}`, b, S), true),
  cancel: (id: Id, reason?: string) =>
    guard(http.post<Booking>(`${V}/bookings/${enc(id)}/cancel`, { reason }, S)),
  setGrid: (id: Id, gridId: Id) =>
    guard(http.post<Booking>(`${V}/bookings/${enc(id)}/grid`, { gridId }, S)),
  checkin: (id: Id) => guard(http.post<Booking>(`${V}/bookings/${enc(id)}/checkin`, {}, S)),
  vaccinate: (id: Id, b: { lotNo: string; vaccinator: string; vaccinatedAt?: number }) =>
    guard(http.post<Booking>(`${V}/bookings/${enc(id)}/vaccinate`, b, S), true),
  export: (q: BookingQuery) =>
    downloadFile(`${V}/bookings/export`, bookingQuery(q), 'bookings.xlsx'),
}

export const importApi = {
  template: (format: 'xlsx' | 'csv', kind: ImportKind) =>
    downloadFile(`${V}/imports/template`, { format, kind }, `template-${kind}.${format}`),
  /** `slotId` is required with kind=booking: every row is booked into that slot. */
  upload: (
    file: File,
    q: { kind: ImportKind; regionId: Id; slotId?: Id | null },
    onProgress: (percent: number) => void,
  ) =>
    uploadRaw<ImportResult>(
      `${V}/imports`,
      {
        kind: q.kind,
        regionId: String(q.regionId),
        slotId: q.kind === 'booking' && q.slotId != null ? String(q.slotId) : undefined,
        filename: file.name,
      },
      file,
      onProgress,
    ),
}

export type StatLevel = 'regions' | 'grids'

export const statApi = {
  table: (level: StatLevel, regionId?: Id | null) =>
    guard(http.get<StatsAnswer>(`${V}/stats/${level}`, { regionId: regionId ?? undefined }, S)),
  export: (level: StatLevel, regionId?: Id | null) =>
    downloadFile(
      `${V}/stats/${level}/export`,
      { regionId: regionId ?? undefined },
      `stats-${level}.xlsx`,
    ),
  board: (regionId?: Id | null) =>
    guard(http.get<BoardAnswer>(`${V}/stats/board`, { regionId: regionId ?? undefined }, S)),
  /** Home page tiles; quiet: the home page simply leaves the tiles out on failure. */
  summary: () => http.get<VaxSummary>(`${V}/stats/summary`, {}, S),
}

export const settingApi = {
  get: () => guard(http.get<VaxSettings>(`${V}/settings`, {}, S)),
  update: (b: VaxSettings) => guard(http.put<VaxSettings>(`${V}/settings`, b, S), true),
}
