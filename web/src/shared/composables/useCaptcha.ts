import { ref, type Ref } from 'vue'
import { authApi } from '../api/auth'

/**
 * An image captcha from GET /auth/captcha (sign-in, password reset, a release that asks for one).
 * `refresh()` loads a new image and writes its id to `captchaId`; each image is single-use, so
 * forms call it again after every failed submit. On a failed load the id is cleared and `failed`
 * is set, so the form cannot submit a stale id.
 */
export function useCaptcha(captchaId: Ref<string>) {
  const image = ref('')
  const loading = ref(false)
  const failed = ref(false)

  async function refresh() {
    if (loading.value) return
    loading.value = true
    failed.value = false
    try {
      const c = await authApi.captcha()
      captchaId.value = c.captchaId
      image.value = c.image
    } catch {
      failed.value = true
      captchaId.value = ''
      image.value = ''
    } finally {
      loading.value = false
    }
  }

  return { image, loading, failed, refresh }
}
