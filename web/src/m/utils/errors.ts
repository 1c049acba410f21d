import { isApiError, retryAfterSeconds } from '../api/client'
import { i18n, t } from '../i18n'

const KNOWN = new Set([
  'slot_full',
  'already_booked',
  'slot_closed',
  'consent_required',
  'slot_not_found',
  'link_not_found',
  'not_found',
  'not_cancellable',
  'first_dose_given',
  'not_admissible',
  'not_active',
  'unauthenticated',
  'invalid_credentials',
  'captcha_invalid',
])

/** Words for an eligibility reason code (under_age, interval_not_met …). */
export function reasonText(code: string | null | undefined, minAge = 18): string {
  if (!code) return ''
  const key = `reasons.${code}`
  return i18n.global.te(key) ? t(key, { minAge }) : code
}

/** One human sentence for any failure of an API call (problem body, 429, network). */
export function errorMessage(err: unknown, minAge = 18): string {
  if (!isApiError(err))
    return t('errors.unknown', { detail: String((err as Error)?.message ?? err) })
  if (err.status === 0) return t('errors.network_error')
  if (err.status === 429) {
    const s = retryAfterSeconds(err)
    return s ? t('errors.rate_limited', { seconds: s }) : t('errors.rate_limited_plain')
  }
  if (err.code === 'not_eligible') {
    const reason = err.errors[0]?.code || ''
    return t('errors.not_eligible', { reason: reasonText(reason, minAge) || err.detail })
  }
  if (KNOWN.has(err.code)) return t(`errors.${err.code}`)
  if (err.status === 401) return t('errors.unauthenticated')
  if (err.code === 'validation_failed' || err.status === 422) {
    const first = err.errors[0]
    return first
      ? `${t('errors.validation_failed')}: ${fieldText(first.field, first.code, first.message)}`
      : t('errors.validation_failed')
  }
  if (err.status >= 500) return t('errors.server', { status: err.status })
  return t('errors.unknown', { detail: err.detail || err.title || `HTTP ${err.status}` })
}

/** A server field error in the reader's words where we know the field, else its message. */
function fieldText(field: string, code: string | undefined, message: string): string {
  const leaf = field.split('.').pop() ?? field
  if (leaf === 'captcha')
    return code === 'required' || code === 'empty'
      ? t('validation.captchaRequired')
      : t('errors.captcha_invalid')
  if (code === 'required' || code === 'empty') return t('validation.required', { field: leaf })
  if (leaf === 'idNumber')
    return /passport/i.test(message) ? t('validation.passport') : t('validation.idCard')
  if (leaf === 'phone') return t('validation.phone')
  if (leaf === 'address') return t('validation.address')
  if (leaf === 'birthDate') return t('validation.birthDate')
  return message
}

/** Server field errors by field name (for showing under the inputs). */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!isApiError(err)) return out
  for (const e of err.errors) {
    if (e.field && !out[e.field]) out[e.field] = fieldText(e.field, e.code, e.message)
  }
  return out
}
