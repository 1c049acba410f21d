/** Client-side checks that mirror the server's (common/idnumber.cpp); the server stays the judge. */

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'

export function normalizeId(s: string): string {
  return s.trim().toUpperCase()
}

/** 18-character resident ID (GB 11643): digits, valid birth date, check character. */
export function isResidentId(raw: string): boolean {
  const id = normalizeId(raw)
  if (!/^\d{17}[\dX]$/.test(id)) return false
  const y = Number(id.slice(6, 10))
  const m = Number(id.slice(10, 12))
  const d = Number(id.slice(12, 14))
  const birth = new Date(Date.UTC(y, m - 1, d))
  if (birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d)
    return false
  if (y < 1900 || birth.getTime() > Date.now()) return false
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * ID_WEIGHTS[i]
  return ID_CHECK[sum % 11] === id[17]
}

export function isPassport(raw: string): boolean {
  return /^[A-Z0-9]{5,20}$/.test(normalizeId(raw))
}

/** Mainland mobile number. */
export function isMobile(s: string): boolean {
  return /^1[3-9]\d{9}$/.test(s.trim())
}

/** Foreigners may give a number with a country code. */
export function isIntlPhone(s: string): boolean {
  return isMobile(s) || /^\+?\d{6,20}$/.test(s.trim().replace(/[\s-]/g, ''))
}

/** Seed 002: 详细地址仅支持中文数字输入 — Chinese characters, letters and digits only. */
export function isPlainAddress(s: string): boolean {
  return /^[\p{Script=Han}A-Za-z0-9]*$/u.test(s)
}

export function isPersonName(s: string): boolean {
  const n = [...s.trim()].length
  return n >= 2 && n <= 50
}

/** Full ID (≥ 7 characters) or the last 4–6 characters, as the site search expects. */
export function siteQueryKind(raw: string): 'short' | 'idNumber' | null {
  const s = normalizeId(raw)
  if (/^[0-9X]{4,6}$/.test(s)) return 'short'
  if (/^[A-Z0-9-]{7,30}$/.test(s)) return 'idNumber'
  return null
}
