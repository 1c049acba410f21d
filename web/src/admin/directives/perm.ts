import type { Directive } from 'vue'
import { useAuthStore } from '@admin/stores/auth'

/**
 * v-perm="'iam:user:create'"  or  v-perm="['a', 'b']" (any of).
 * Removes the element from the DOM when the current user lacks the permission.
 */
export const vPerm: Directive<HTMLElement, string | string[]> = {
  mounted(el, binding) {
    const auth = useAuthStore()
    if (!auth.hasPerm(binding.value)) {
      el.parentNode?.removeChild(el)
    }
  },
}

declare module 'vue' {
  interface GlobalDirectives {
    vPerm: typeof vPerm
  }
}
