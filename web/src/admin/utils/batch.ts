import { ElMessage } from 'element-plus'
import { isApiError } from '@shared/api/http'
import { t } from '@admin/i18n'
import { showApiError } from './form'

/**
 * Runs `fn` for each item one after another (the API has no bulk endpoints),
 * then reports the outcome once. Resolves to the number of successes.
 */
export async function runBatch<T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<number> {
  let ok = 0
  let lastError: unknown = null
  for (const it of items) {
    try {
      await fn(it)
      ok++
    } catch (e) {
      lastError = e
      // A lost session or missing permission will fail every item: stop early.
      if (isApiError(e) && (e.status === 401 || e.status === 403)) break
    }
  }
  const fail = items.length - ok
  if (fail === 0) ElMessage.success(t('common.success'))
  else if (ok === 0) showApiError(lastError)
  else {
    ElMessage.warning(t('common.partialFailed', { ok, fail }))
    showApiError(lastError)
  }
  return ok
}

/** Row number for the 序号 column across pages. */
export function rowNumber(page: number, pageSize: number) {
  return (i: number) => (page - 1) * pageSize + i + 1
}
