import { createApp } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus, { ElMessage } from 'element-plus'
import 'element-plus/dist/index.css'
import * as ElementPlusIconsVue from '@element-plus/icons-vue'
import { installHttpHooks } from '@shared/api/http'
import App from './App.vue'
import { i18n, t } from './i18n'
import { router } from './router'
import { vPerm } from './directives/perm'
import { useAuthStore } from './stores/auth'
import { showApiError } from './utils/form'
import './styles/index.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
app.use(ElementPlus)
for (const [name, comp] of Object.entries(ElementPlusIconsVue)) {
  app.component(name, comp)
}
app.directive('perm', vPerm)

let redirecting = false
installHttpHooks({
  onUnauthorized: () => {
    const auth = useAuthStore(pinia)
    auth.clear()
    const cur = router.currentRoute.value
    if (cur.meta.public || redirecting) return
    redirecting = true
    ElMessage.warning({ message: t('common.sessionExpired'), grouping: true })
    router
      .replace({ name: 'login', query: { redirect: cur.fullPath } })
      .finally(() => (redirecting = false))
  },
  onError: (err) => {
    if (err.code === 'password_change_required') {
      // The password was reset meanwhile: lock the app on the change-password page.
      const auth = useAuthStore(pinia)
      if (auth.user) auth.user.mustChangePassword = true
      err.handled = true
      ElMessage.warning({ message: t('errors.password_change_required'), grouping: true })
      router.replace({ name: 'change-password' })
      return
    }
    showApiError(err)
  },
})

app.use(router)
router.isReady().then(() => app.mount('#app'))
