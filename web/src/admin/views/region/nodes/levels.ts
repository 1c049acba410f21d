import type { RegionKind } from '@shared/api/types'
import { t } from '@admin/i18n'

export const LEVEL_CITY = 1
export const LEVEL_DISTRICT = 2
export const LEVEL_STREET = 3
export const LEVEL_GRID = 4

export function levelText(level: number, kind?: RegionKind | null): string {
  const base = level >= 1 && level <= 4 ? (t(`region.levels.l${level}`) as string) : String(level)
  return kind ? `${base}（${t(`region.kinds.${kind}`)}）` : base
}

/** Booking-link tokens exist for districts and streets only. */
export function hasLinkToken(level: number): boolean {
  return level === LEVEL_DISTRICT || level === LEVEL_STREET
}
