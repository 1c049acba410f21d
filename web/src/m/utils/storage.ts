/** Small wrappers around Web Storage that never throw (private mode, disabled storage). */

function get(store: () => Storage, key: string): string | null {
  try {
    return store().getItem(key)
  } catch {
    return null
  }
}

function set(store: () => Storage, key: string, value: string | null): void {
  try {
    if (value === null) store().removeItem(key)
    else store().setItem(key, value)
  } catch {
    /* ignore */
  }
}

const session = () => window.sessionStorage
const local = () => window.localStorage

export const KEYS = {
  /** Last booking-link token opened in this tab (for 预约结果查询 → 重新预约 / 修改资料). */
  token: 'fangyi.m.token',
  /** Notice accepted for this token in this tab. */
  notice: 'fangyi.m.notice.',
  /** Site staff CSRF token of the fy_staff session. */
  staffCsrf: 'fangyi.m.staffCsrf',
  /** Site staff: last lot number and vaccinator. */
  lastLot: 'fangyi.m.lastLot',
  lastVaccinator: 'fangyi.m.lastVaccinator',
}

export const sessionStore = {
  get: (k: string) => get(session, k),
  set: (k: string, v: string | null) => set(session, k, v),
}

export const localStore = {
  get: (k: string) => get(local, k),
  set: (k: string, v: string | null) => set(local, k, v),
}
