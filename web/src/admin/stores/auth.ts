import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { authApi } from '@shared/api/auth'
import { isApiError, setCsrfToken } from '@shared/api/http'
import type { CurrentUser, LoginRequest, LoginResponse, MenuGroup } from '@shared/api/types'
import { useRegionStore } from './region'

export const useAuthStore = defineStore('auth', () => {
  const user = ref<CurrentUser | null>(null)
  const permissions = ref<Set<string>>(new Set())
  const menus = ref<MenuGroup[]>([])
  const csrfToken = ref('')
  /** True once /auth/me has been attempted at least once. */
  const loaded = ref(false)

  const isLoggedIn = computed(() => user.value !== null)
  const mustChangePassword = computed(() => !!user.value?.mustChangePassword)
  const displayName = computed(() => user.value?.nickname || user.value?.username || '')

  function setToken(token: string | null | undefined) {
    csrfToken.value = token ?? ''
    setCsrfToken(csrfToken.value)
  }

  function clear() {
    // Cached data belongs to the previous account.
    useRegionStore().reset()
    user.value = null
    permissions.value = new Set()
    menus.value = []
    setToken('')
  }

  /** Load the session from GET /auth/me. Resolves false when not signed in. */
  async function fetchMe(): Promise<boolean> {
    try {
      const me = await authApi.me()
      user.value = {
        ...me.user,
        mustChangePassword: !!(me.user?.mustChangePassword || me.mustChangePassword),
      }
      permissions.value = new Set(me.permissions ?? [])
      menus.value = me.menus ?? []
      setToken(me.csrfToken)
      return true
    } catch (e) {
      clear()
      if (isApiError(e) && (e.status === 401 || e.status === 403)) return false
      throw e
    } finally {
      loaded.value = true
    }
  }

  async function login(req: LoginRequest): Promise<LoginResponse> {
    const res = await authApi.login(req)
    setToken(res.csrfToken)
    const must = !!(res.mustChangePassword || res.user?.mustChangePassword)
    user.value = { ...res.user, mustChangePassword: must }
    await fetchMe()
    if (user.value && must) user.value.mustChangePassword = true
    return res
  }

  async function logout() {
    try {
      await authApi.logout()
    } catch {
      /* the session may already be gone; log out locally anyway */
    } finally {
      clear()
    }
  }

  /** True when the user holds the code, or any of the codes when given an array. */
  function hasPerm(code: string | string[] | null | undefined): boolean {
    if (!code || (Array.isArray(code) && code.length === 0)) return true
    const codes = Array.isArray(code) ? code : [code]
    return codes.some((c) => permissions.value.has(c))
  }

  /** True when `path` is one of the menu entries the server sent. */
  function hasMenuPath(path: string): boolean {
    return menus.value.some(
      (g) => g.path === path || (g.children ?? []).some((c) => c.path === path),
    )
  }

  return {
    user,
    permissions,
    menus,
    csrfToken,
    loaded,
    isLoggedIn,
    mustChangePassword,
    displayName,
    clear,
    fetchMe,
    login,
    logout,
    hasPerm,
    hasMenuPath,
  }
})
