import { ref } from 'vue'
import { setCsrfToken } from '@shared/api/http'
import type { SiteSession } from '../api/types'
import { KEYS, sessionStore } from './storage'

/** The signed-in site staff (cookie fy_staff); its CSRF token lives in sessionStorage. */
export const staffSession = ref<SiteSession | null>(null)

export function restoreStaffCsrf(): void {
  const tok = sessionStore.get(KEYS.staffCsrf)
  if (tok) setCsrfToken(tok)
}

export function setStaffSession(s: SiteSession | null): void {
  staffSession.value = s
  if (s?.csrfToken) {
    sessionStore.set(KEYS.staffCsrf, s.csrfToken)
    setCsrfToken(s.csrfToken)
  }
  if (!s) {
    sessionStore.set(KEYS.staffCsrf, null)
    setCsrfToken(null)
  }
}
