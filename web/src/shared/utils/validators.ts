/** Password policy shown to users: at least 8 characters, containing letters and digits. */
export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 64

export function isStrongPassword(pw: string): boolean {
  return (
    typeof pw === 'string' &&
    pw.length >= PASSWORD_MIN &&
    pw.length <= PASSWORD_MAX &&
    /[A-Za-z]/.test(pw) &&
    /\d/.test(pw)
  )
}

/** Mainland China mobile number. */
export function isPhone(s: string): boolean {
  return /^1[3-9]\d{9}$/.test(s)
}

/** Account names: 1 to 50 characters without blanks, slashes or control characters. */
export function isUsername(s: string): boolean {
  return s.length >= 1 && s.length <= 50 && /^[^\x00-\x20\x7F/\\]+$/.test(s)
}

/** Role codes: a lower-case letter, then lower-case letters, digits or underscores. */
export function isRoleCode(s: string): boolean {
  return s.length <= 30 && /^[a-z][a-z0-9_]*$/.test(s)
}

export function isEmail(s: string): boolean {
  return s.length <= 100 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s)
}

/** A value as sent back by the server with a mask (e.g. 138****1234). */
export function isMasked(s: string | null | undefined): boolean {
  return !!s && s.includes('*')
}
