import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import { Locale } from 'vant'
import vantEn from 'vant/es/locale/lang/en-US'
import vantZh from 'vant/es/locale/lang/zh-CN'
import zhCN, { type MessageSchema } from './zh-CN'
import en from './en'

export type MLocale = 'zh-CN' | 'en'

const STORAGE_KEY = 'fangyi.m.locale'

function stored(): MLocale | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY)
    return v === 'en' || v === 'zh-CN' ? v : null
  } catch {
    return null
  }
}

/** `?lang=en|zh` wins, then the foreigner page (`?foreign=1`) → English, then the saved choice. */
export function pickLocale(search: string): MLocale {
  const q = new URLSearchParams(search)
  const lang = (q.get('lang') ?? '').toLowerCase()
  if (lang.startsWith('en')) return 'en'
  if (lang.startsWith('zh')) return 'zh-CN'
  if (q.get('foreign') === '1') return 'en'
  return stored() ?? 'zh-CN'
}

export const i18n = createI18n<[MessageSchema], MLocale, false>({
  legacy: false,
  locale: 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
  missingWarn: false,
  fallbackWarn: false,
})

export const currentLocale = computed<MLocale>(() => i18n.global.locale.value as MLocale)

/** Switch the UI language; `remember` keeps the choice for the next visit. */
export function setLocale(l: MLocale, remember = true): void {
  i18n.global.locale.value = l
  document.documentElement.lang = l
  Locale.use(l, l === 'en' ? vantEn : vantZh)
  if (!remember) return
  try {
    localStorage.setItem(STORAGE_KEY, l)
  } catch {
    /* private mode: ignore */
  }
}

export const t = i18n.global.t
