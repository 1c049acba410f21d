import { nextTick, reactive } from 'vue'
import { ElMessage } from 'element-plus'
import type { FormItemRule } from 'element-plus'
import { isApiError } from '@shared/api/http'
import { isStrongPassword } from '@shared/utils/validators'
import { t } from '@admin/i18n'

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
      if (key) fieldErrors[key] = fe.message || fe.code || t('common.requestFailed')
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
  if (e.status === 403) ElMessage.error({ message: t('common.noPermission'), grouping: true })
  else if (e.status === 0) ElMessage.error(t('common.networkError'))
  else ElMessage.error({ message: e.detail || t('common.requestFailed'), grouping: true })
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
