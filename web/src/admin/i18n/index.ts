import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import zhCN, { type MessageSchema } from './zh-CN'
import en from './en'

export type AppLocale = 'zh-CN' | 'en'
export const LOCALES: { value: AppLocale; label: string }[] = [
  { value: 'zh-CN', label: '简体中文' },
  { value: 'en', label: 'English' },
]

const STORAGE_KEY = 'fangyi.locale'

function initialLocale(): AppLocale {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN'
  } catch {
    return 'zh-CN'
  }
}

export const i18n = createI18n<[MessageSchema], AppLocale, false>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
  missingWarn: false,
  fallbackWarn: false,
})

document.documentElement.lang = i18n.global.locale.value

export function setLocale(l: AppLocale): void {
  i18n.global.locale.value = l
  document.documentElement.lang = l
  try {
    localStorage.setItem(STORAGE_KEY, l)
  } catch {
    /* private mode: ignore */
  }
}

export const currentLocale = computed<AppLocale>(() => i18n.global.locale.value as AppLocale)

/** Translate outside components (stores, router guards, http hooks). */
export const t = i18n.global.t

/** Pick the localized title of a server-provided object ({title, titleEn}). */
export function localTitle(
  o: { title: string; titleEn?: string | null } | null | undefined,
): string {
  if (!o) return ''
  return currentLocale.value === 'en' && o.titleEn ? o.titleEn : o.title
}

/** Translate `prefix.key` if such a message exists, else return the raw key. */
export function tMaybe(prefix: string, key: string | null | undefined): string {
  if (!key) return ''
  const path = `${prefix}.${key}`
  return i18n.global.te(path) ? (t(path) as string) : key
}
