import { ElMessage, ElMessageBox } from 'element-plus'
import { t } from '@admin/i18n'

/** The console's warning confirmation (提示, 确定 / 取消). Resolves to false when cancelled. */
export async function confirmWarning(message: string): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, t('common.tip'), {
      type: 'warning',
      confirmButtonText: t('common.ok'),
      cancelButtonText: t('common.cancel'),
    })
    return true
  } catch {
    return false
  }
}

/** Confirms deleting `list`: by name for one item, by count for several. */
export function confirmDelete<T>(list: T[], name: (item: T) => string): Promise<boolean> {
  return confirmWarning(
    list.length === 1
      ? t('common.confirmDeleteOne', { name: name(list[0]) })
      : t('common.confirmDelete', { n: list.length }),
  )
}

/**
 * For an el-switch `before-change`: confirms enabling or disabling `name`, calls
 * `setStatus(next)` and reports success. Resolves to whether the switch may flip.
 */
export async function confirmStatus(
  name: string,
  enabled: boolean,
  setStatus: (next: boolean) => Promise<unknown>,
): Promise<boolean> {
  const next = !enabled
  const action = next ? t('common.enable') : t('common.disable')
  if (!(await confirmWarning(t('common.confirmStatus', { action, name })))) return false
  try {
    await setStatus(next)
    ElMessage.success(t('common.success'))
    return true
  } catch {
    return false
  }
}
