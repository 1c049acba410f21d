import { ref, watch, type Ref } from 'vue'
import { ElMessage, type FormInstance } from 'element-plus'
import { t } from '@admin/i18n'
import { useFieldErrors } from '@admin/utils/form'

export interface FormDialogOptions {
  /** The el-form whose rules must pass before `save` (dialogs without a form leave it out). */
  form?: Ref<FormInstance | undefined>
  /** Runs each time the dialog opens, after the old field errors are cleared: fill the form here. */
  onOpen?: () => unknown
  /** Sends the form, once its rules pass. */
  save: () => Promise<unknown>
  /** Runs after a successful save, once the dialog is closed (e.g. `emit('saved')`). */
  onSaved?: () => void
  /** Runs when the rules or the server reject the form (e.g. go back to the tab with the fields). */
  onRejected?: () => void
  /** i18n key of the success message. */
  successKey?: 'common.saved' | 'common.success'
  /** Server field names shown under another form item, e.g. `{ newPassword: 'password' }`. */
  fieldAlias?: Record<string, string>
}

/**
 * Submit handling of a dialog with a 确定 button (use with <FormDialog>): validates the form,
 * calls `save`, shows the success message and closes. A server error puts the problem's
 * `errors[].field` messages under the form items (bind `:error="fieldErrors.name"`); other
 * errors are shown by the http layer.
 */
export function useFormDialog(open: Ref<boolean>, opts: FormDialogOptions) {
  const saving = ref(false)
  const { fieldErrors, clearErrors, applyError } = useFieldErrors()

  watch(open, (v) => {
    if (!v) return
    clearErrors()
    opts.onOpen?.()
  })

  async function submit() {
    clearErrors()
    const ok = opts.form ? await opts.form.value?.validate().catch(() => false) : true
    if (!ok) {
      opts.onRejected?.()
      return
    }
    saving.value = true
    try {
      await opts.save()
      ElMessage.success(t(opts.successKey ?? 'common.saved'))
      open.value = false
      opts.onSaved?.()
    } catch (e) {
      opts.onRejected?.()
      await applyError(e, opts.fieldAlias)
    } finally {
      saving.value = false
    }
  }

  return { saving, fieldErrors, submit }
}
