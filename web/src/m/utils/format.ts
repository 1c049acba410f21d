import { formatTime } from '@shared/utils/time'
import { currentLocale, t } from '../i18n'

/** "2021-04-14 08:00-23:00" */
export function slotTime(o: { date: string; startTime: string; endTime: string }): string {
  return `${o.date} ${o.startTime}-${o.endTime}`
}

/** Epoch ms → "MM-DD HH:mm" in Asia/Shanghai (same day as `ref` → "HH:mm"). */
export function shortTime(ms: number | null | undefined, ref?: number | null): string {
  if (ms === null || ms === undefined) return ''
  const full = formatTime(ms)
  if (ref !== null && ref !== undefined && formatTime(ref).slice(0, 10) === full.slice(0, 10))
    return full.slice(11, 16)
  return full.slice(5, 16)
}

/** Vaccine name in the current language (the English name when the server has one). */
export function vaccineLabel(o: { vaccineName: string; vaccineNameEn?: string | null }): string {
  return currentLocale.value === 'en' && o.vaccineNameEn ? o.vaccineNameEn : o.vaccineName
}

/** Value for <input type="datetime-local"> from epoch ms, in Asia/Shanghai. */
export function toLocalInput(ms: number): string {
  return formatTime(ms).slice(0, 16).replace(' ', 'T')
}

/** <input type="datetime-local"> value read as Asia/Shanghai (UTC+8, no DST) → epoch ms. */
export function fromLocalInput(v: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(v)
  if (!m) return null
  const [y, mo, d, h, mi] = m.slice(1).map(Number)
  return Date.UTC(y, mo - 1, d, h - 8, mi)
}

const CN_NUM = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十']

/** "（二针型）" / " (2-dose)" */
export function doseType(doses: number): string {
  const n = currentLocale.value === 'en' ? String(doses) : (CN_NUM[doses] ?? String(doses))
  return t('book.doseType', { n })
}

/** Vaccine name with its dose count, unless the name already says it (e.g. "…（二针型）"). */
export function vaccineWithDoses(o: {
  vaccineName: string
  vaccineNameEn?: string | null
  doses: number
}): string {
  const name = vaccineLabel(o)
  return /针型|\bdoses?\b/i.test(name) ? name : name + doseType(o.doses)
}
