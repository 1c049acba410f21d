import { nextTick, reactive } from 'vue'
import { ElMessage } from 'element-plus'
import type { FormItemRule } from 'element-plus'
import { isApiError, type ApiError, type FieldError } from '@shared/api/http'
import { isStrongPassword } from '@shared/utils/validators'
import { i18n, t } from '@admin/i18n'

/**
 * The text to show for an API error. The server's `detail` is an English sentence meant for
 * developers, so known `code`s are translated and `detail` is only the fallback.
 */
export function errorMessage(e: ApiError): string {
  if (e.status === 0) return t('common.networkError')
  if (e.code && i18n.global.te(`errors.${e.code}`)) return t(`errors.${e.code}`)
  if (e.status === 403) return t('common.noPermission')
  return e.detail || t('common.requestFailed')
}

/** The text to show under a form field for one field error. */
export function fieldErrorMessage(fe: FieldError): string {
  if (fe.code && i18n.global.te(`fieldErrors.${fe.code}`)) return t(`fieldErrors.${fe.code}`)
  return fe.message || t('common.requestFailed')
}

/**
 * Maps a server error ({errors:[{field,message}]}) onto el-form-item `error` props
 * and shows `detail` as a message. Bind with `:error="fieldErrors.username"`.
 */
export function useFieldErrors() {
  const fieldErrors = reactive<Record<string, string>>({})

  function clearErrors() {
    for (const k of Object.keys(fieldErrors)) fieldErrors[k] = ''
  }

  async function applyError(e: unknown, fieldAlias: Record<string, string> = {}) {
    clearErrors()
    if (!isApiError(e)) {
      ElMessage.error(e instanceof Error ? e.message : String(e))
      return
    }
    if (e.handled) return
    await nextTick()
    for (const fe of e.errors) {
      const key = fieldAlias[fe.field] ?? fe.field
      if (key) fieldErrors[key] = fieldErrorMessage(fe)
    }
    showApiError(e)
  }

  return { fieldErrors, clearErrors, applyError }
}

/** Shows an ApiError the way the global handler does (used by silent calls). */
export function showApiError(e: unknown) {
  if (!isApiError(e)) {
    if (e instanceof Error) ElMessage.error(e.message)
    return
  }
  if (e.handled) return
  e.handled = true
  ElMessage.error({ message: errorMessage(e), grouping: true })
}

export function requiredRule(field: string, trigger: 'blur' | 'change' = 'blur'): FormItemRule {
  return {
    required: true,
    trigger,
    validator: (_r, v, cb) => {
      const empty = v === undefined || v === null || (typeof v === 'string' && v.trim() === '')
      if (empty || (Array.isArray(v) && v.length === 0))
        cb(new Error(t('common.required', { field })))
      else cb()
    },
  }
}

export function passwordRule(): FormItemRule {
  return {
    trigger: 'blur',
    validator: (_r, v, cb) => {
      if (!v) cb(new Error(t('common.required', { field: t('password.new') })))
      else if (!isStrongPassword(String(v))) cb(new Error(t('password.rule')))
      else cb()
    },
  }
}
