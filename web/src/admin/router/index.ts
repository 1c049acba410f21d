import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { ElMessage } from 'element-plus'
import { useAuthStore } from '@admin/stores/auth'
import { t } from '@admin/i18n'
import AdminLayout from '@admin/layout/AdminLayout.vue'
import LoginView from '@admin/views/login/LoginView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean
    /** i18n key of the page title (used when the server menu has no entry). */
    title?: string
    /** Menu permission needed to open the page. */
    perm?: string
  }
}

export const BASE = '/admin/'

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: LoginView,
    meta: { public: true, title: 'login.submit' },
  },
  {
    path: '/change-password',
    name: 'change-password',
    component: () => import('@admin/views/login/ChangePasswordView.vue'),
    meta: { title: 'password.title' },
  },
  {
    path: '/',
    component: AdminLayout,
    redirect: '/home',
    children: [
      {
        path: 'home',
        name: 'home',
        component: () => import('@admin/views/home/HomeView.vue'),
        meta: { title: 'layout.home' },
      },
      {
        path: 'system/users',
        name: 'users',
        component: () => import('@admin/views/system/UsersView.vue'),
        meta: { perm: 'iam:user:list' },
      },
      {
        path: 'system/roles',
        name: 'roles',
        component: () => import('@admin/views/system/RolesView.vue'),
        meta: { perm: 'iam:role:list' },
      },
      {
        path: 'system/login-logs',
        name: 'login-logs',
        component: () => import('@admin/views/system/LoginLogsView.vue'),
        meta: { perm: 'iam:login-log:list' },
      },
      {
        path: 'system/audit-logs',
        name: 'audit-logs',
        component: () => import('@admin/views/system/AuditLogsView.vue'),
        meta: { perm: 'audit:log:list' },
      },
      {
        path: 'region/nodes',
        name: 'region-nodes',
        component: () => import('@admin/views/region/RegionNodesView.vue'),
        meta: { perm: 'region:node:list' },
      },
      {
        path: 'vaccination/links',
        name: 'vax-links',
        component: () => import('@admin/views/vaccination/LinksView.vue'),
        meta: { perm: 'vax:link:list', title: 'vax.menu.links' },
      },
      {
        path: 'vaccination/vaccines',
        name: 'vax-vaccines',
        component: () => import('@admin/views/vaccination/VaccinesView.vue'),
        meta: { perm: 'vax:vaccine:list', title: 'vax.menu.vaccines' },
      },
      {
        path: 'vaccination/sites',
        name: 'vax-sites',
        component: () => import('@admin/views/vaccination/SitesView.vue'),
        meta: { perm: 'vax:site:list', title: 'vax.menu.sites' },
      },
      {
        path: 'vaccination/staff',
        name: 'vax-staff',
        component: () => import('@admin/views/vaccination/StaffView.vue'),
        meta: { perm: 'vax:staff:list', title: 'vax.menu.staff' },
      },
      {
        path: 'vaccination/slots',
        name: 'vax-slots',
        component: () => import('@admin/views/vaccination/SlotsView.vue'),
        meta: { perm: 'vax:slot:list', title: 'vax.menu.slots' },
      },
      {
        path: 'vaccination/bookings',
        name: 'vax-bookings',
        component: () => import('@admin/views/vaccination/BookingsView.vue'),
        meta: { perm: 'vax:booking:list', title: 'vax.menu.bookings' },
      },
      {
        path: 'vaccination/import',
        name: 'vax-import',
        component: () => import('@admin/views/vaccination/ImportView.vue'),
        meta: { perm: 'vax:booking:import', title: 'vax.menu.import' },
      },
      {
        path: 'vaccination/stats/regions',
        name: 'vax-stats-regions',
        component: () => import('@admin/views/vaccination/StatsRegionsView.vue'),
        meta: { perm: 'vax:stat:region', title: 'vax.menu.statsRegions' },
      },
      {
        path: 'vaccination/stats/grids',
        name: 'vax-stats-grids',
        component: () => import('@admin/views/vaccination/StatsGridsView.vue'),
        meta: { perm: 'vax:stat:grid', title: 'vax.menu.statsGrids' },
      },
      {
        path: 'vaccination/board',
        name: 'vax-board',
        component: () => import('@admin/views/vaccination/BoardView.vue'),
        meta: { perm: 'vax:stat:board', title: 'vax.menu.board' },
      },
      {
        path: 'vaccination/settings',
        name: 'vax-settings',
        component: () => import('@admin/views/vaccination/SettingsView.vue'),
        meta: { perm: 'vax:setting:update', title: 'vax.menu.settings' },
      },
      {
        path: 'notify/sms',
        name: 'notify-sms',
        component: () => import('@admin/views/notify/SmsView.vue'),
        meta: { perm: 'notify:sms:list' },
      },
    ],
  },
  {
    // Printable poster of a booking link, opened in its own window (no side menu).
    path: '/vaccination/poster/:regionId',
    name: 'vax-poster',
    component: () => import('@admin/views/vaccination/LinkPosterView.vue'),
    meta: { perm: 'vax:link:list', title: 'vax.menu.poster' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@admin/views/error/NotFoundView.vue'),
    meta: { public: true, title: 'notFound.title' },
  },
]

export const router = createRouter({
  history: createWebHistory(BASE),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

/** Only same-app absolute paths are accepted as post-login redirects. */
export function safeRedirect(v: unknown): string | null {
  if (typeof v !== 'string' || !v.startsWith('/') || v.startsWith('//')) return null
  if (v.startsWith('/login') || v.startsWith('/change-password')) return null
  return v
}

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  if (!auth.loaded) {
    try {
      await auth.fetchMe()
    } catch {
      ElMessage.error({ message: t('common.networkError'), grouping: true })
    }
  }

  if (to.meta.public) {
    if (to.name === 'login' && auth.isLoggedIn) {
      if (auth.mustChangePassword) return { name: 'change-password' }
      return safeRedirect(to.query.redirect) ?? '/home'
    }
    return true
  }

  if (!auth.isLoggedIn) {
    const redirect = to.fullPath !== '/' && to.fullPath !== '/home' ? to.fullPath : undefined
    return { name: 'login', query: redirect ? { redirect } : {} }
  }

  // A forced password change locks every other page.
  if (auth.mustChangePassword && to.name !== 'change-password') {
    return { name: 'change-password' }
  }

  if (to.meta.perm && !auth.hasPerm(to.meta.perm) && !auth.hasMenuPath(to.path)) {
    ElMessage.error({ message: t('common.noPermission'), grouping: true })
    return to.name === 'home' ? true : '/home'
  }
  return true
})
