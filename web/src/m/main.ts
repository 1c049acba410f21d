import { createApp } from 'vue'
import {
  Button,
  Cell,
  CellGroup,
  Checkbox,
  Dialog,
  Empty,
  Field,
  Icon,
  Loading,
  NavBar,
  NoticeBar,
  Picker,
  Popup,
  Radio,
  RadioGroup,
  Switch,
  Tab,
  Tabs,
  Tag,
} from 'vant'
import 'vant/lib/index.css'
import App from './App.vue'
import { i18n, pickLocale, setLocale } from './i18n'
import { router } from './router'
import { installFetchObserver } from './api/client'
import { restoreStaffCsrf } from './utils/staff'
import './styles.css'

installFetchObserver()
restoreStaffCsrf()
setLocale(pickLocale(window.location.search), false)

const app = createApp(App)
app.use(i18n)
for (const c of [
  Button,
  Cell,
  CellGroup,
  Checkbox,
  Dialog,
  Empty,
  Field,
  Icon,
  Loading,
  NavBar,
  NoticeBar,
  Picker,
  Popup,
  Radio,
  RadioGroup,
  Switch,
  Tab,
  Tabs,
  Tag,
]) {
  app.use(c)
}
app.use(router)
router.isReady().then(() => app.mount('#app'))
