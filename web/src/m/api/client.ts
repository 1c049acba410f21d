import { ApiError, isApiError, request, type RequestOptions } from '@shared/api/http'

/**
 * The phone pages call the API through the shared client (`@shared/api/http`: JSON, problem
 * bodies → ApiError, X-CSRF-Token from `setCsrfToken`). Two headers it does not expose are
 * handled here:
 * - `Retry-After` of a 429 answer, remembered by a fetch observer so the message can say how long
 *   to wait (`retryAfterSeconds`);
 * - `Idempotency-Key` on the booking POST (`withIdempotencyKey`), so a retry after a lost answer
 *   returns the first booking instead of 409 already_booked.
 */

let lastRetryAfter: { at: number; seconds: number } | null = null
let pendingKey: { path: string; key: string } | null = null

function parseRetryAfter(v: string | null): number | null {
  if (!v) return null
  const n = Number(v)
  if (Number.isFinite(n)) return Math.max(1, Math.ceil(n))
  const when = Date.parse(v)
  return Number.isFinite(when) ? Math.max(1, Math.ceil((when - Date.now()) / 1000)) : null
}

/** Installed once at start-up (main.ts). */
export function installFetchObserver(): void {
  const orig = window.fetch.bind(window)
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    let nextInit = init
    if (pendingKey && url.split('?')[0].endsWith(pendingKey.path)) {
      const headers = new Headers(init?.headers)
      headers.set('Idempotency-Key', pendingKey.key)
      nextInit = { ...init, headers }
    }
    const res = await orig(input, nextInit)
    if (res.status === 429) {
      const s = parseRetryAfter(res.headers.get('Retry-After'))
      lastRetryAfter = s === null ? null : { at: Date.now(), seconds: s }
    }
    return res
  }
}

/**
 * Seconds to wait after a 429: the body's `retryAfter`, else its Retry-After header; null when
 * neither says.
 */
export function retryAfterSeconds(err: unknown): number | null {
  if (!isApiError(err) || err.status !== 429) return null
  if (err.retryAfter) return err.retryAfter
  if (!lastRetryAfter || Date.now() - lastRetryAfter.at > 5000) return null
  return lastRetryAfter.seconds
}

export function newIdempotencyKey(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID()
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}

/** Run one request with an Idempotency-Key header on `path`. */
export async function withIdempotencyKey<T>(
  path: string,
  key: string,
  run: () => Promise<T>,
): Promise<T> {
  pendingKey = { path, key }
  try {
    return await run()
  } finally {
    pendingKey = null
  }
}

/** Every phone-page call shows its own errors (no global hooks): always silent. */
export function call<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  return request<T>(method, path, { silent: true, noAuthRedirect: true, ...opts })
}

export { ApiError, isApiError }
