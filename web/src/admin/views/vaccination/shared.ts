/** Helpers shared by the vaccination pages. */
import { nextTick, ref, type Directive } from 'vue'
import { ElMessage } from 'element-plus'
import type { Id, RegionNode } from '@shared/api/types'
import { t } from '@admin/i18n'
import {
  siteApi,
  vaccineApi,
  type Site,
  type Slot,
  type SlotType,
  type Vaccine,
} from '@admin/api/vaccination'

export const LEVEL_STREET = 3
export const LEVEL_GRID = 4

export const isStreet = (n: RegionNode) => n.level === LEVEL_STREET

export function typeLabel(type: SlotType | string | null | undefined): string {
  return type ? (t(`vax.types.${type}`) as string) : ''
}

export function doseLabel(n: number | null | undefined): string {
  return n ? (t('vax.booking.doseN', { n }) as string) : ''
}

/** 0.0779 -> "7.79%"; null stays "/". */
export function pct(x: number | null | undefined, digits = 2): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '/'
  return `${(x * 100).toFixed(digits).replace(/\.?0+$/, '')}%`
}

export function fmtInt(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('zh-CN') : '—'
}

export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text)
    ElMessage.success(t('common.copied'))
  } catch {
    // Clipboard API needs a secure context: fall back to a hidden textarea.
    const ta = document.createElement('textarea')
    ta.value = text
    ta.style.position = 'fixed'
    ta.style.opacity = '0'
    document.body.appendChild(ta)
    ta.select()
    const ok = document.execCommand('copy')
    ta.remove()
    if (ok) ElMessage.success(t('common.copied'))
  }
}

export type SlotState = 'enabled' | 'locked' | 'expired' | 'full'

/** 状态 column of a slot: 锁定 before 已截止 before 已约满 before 启用. */
export function slotState(s: Slot): SlotState {
  if (s.status === 'locked') return 'locked'
  if (s.expired) return 'expired'
  if (s.remaining <= 0) return 'full'
  return 'enabled'
}

export const SLOT_STATE_TAG: Record<SlotState, 'success' | 'info' | 'warning' | 'danger'> = {
  enabled: 'success',
  locked: 'danger',
  expired: 'info',
  full: 'warning',
}

export function slotStateLabel(s: SlotState): string {
  const key = { enabled: 'statusEnabled', locked: 'statusLocked', expired: 'statusExpired' }
  return t(`vax.slot.${s === 'full' ? 'statusFull' : key[s]}`) as string
}

/** The vaccine catalogue for pickers (loaded once per page). */
export function useVaccineOptions() {
  const vaccines = ref<Vaccine[]>([])
  async function loadVaccines() {
    try {
      vaccines.value = (await vaccineApi.options()).items
    } catch {
      vaccines.value = []
    }
  }
  return { vaccines, loadVaccines }
}

/** Vaccination sites in scope for pickers, optionally below a region. */
export function useSiteOptions() {
  const sites = ref<Site[]>([])
  async function loadSites(regionId?: Id | null) {
    try {
      const r = await siteApi.options({ regionId: regionId ?? undefined, page: 1, pageSize: 200 })
      sites.value = r.items
    } catch {
      sites.value = []
    }
  }
  return { sites, loadSites }
}

/** Sites grouped by street for an el-select with option groups. */
export function groupSites(list: Site[]): { label: string; sites: Site[] }[] {
  const m = new Map<string, { label: string; sites: Site[] }>()
  for (const s of list) {
    const k = String(s.streetId)
    if (!m.has(k)) m.set(k, { label: s.streetName, sites: [] })
    m.get(k)!.sites.push(s)
  }
  return [...m.values()]
}

/** Grids (level 4) right under a street node of the cached region tree. */
export function gridsOf(street: RegionNode | null): RegionNode[] {
  return (street?.children ?? []).filter((n) => n.level === LEVEL_GRID)
}

/** Tri-state filter value of a select ('' any, 'true', 'false') -> boolean | undefined. */
export function triState(v: '' | 'true' | 'false'): boolean | undefined {
  return v === '' ? undefined : v === 'true'
}

/**
 * v-save-id="'site-form-save'" on an element inside a <FormDialog>: gives the dialog's shared
 * 确定 button (data-test="dlg-submit") that data-testid for browser tests.
 */
export const vSaveId: Directive<HTMLElement, string> = {
  mounted(el, binding) {
    nextTick(() => {
      const btn = el.closest('.el-dialog')?.querySelector('[data-test="dlg-submit"]')
      btn?.setAttribute('data-testid', binding.value)
    })
  },
}

/** v-search-id="'booking-search'" on a filter item of a <QueryBar>: the same for its 搜索 button. */
export const vSearchId: Directive<HTMLElement, string> = {
  mounted(el, binding) {
    nextTick(() => {
      const btn = el.closest('form')?.querySelector('[data-test="btn-search"]')
      btn?.setAttribute('data-testid', binding.value)
    })
  },
}
