/**
 * Minimal fetch wrapper shared by every front-end page (admin, phone).
 * - JSON in / JSON out, cookies on the same origin.
 * - Sends X-CSRF-Token on state-changing requests (unless `csrf: false`).
 * - Throws ApiError built from the RFC 7807-style problem body.
 * - UI concerns (messages, redirects) are delegated to hooks installed by each app.
 */

export const API_BASE = '/api/v1'

export interface FieldError {
  field: string
  code?: string
  message: string
}

export interface ProblemBody {
  type?: string
  title?: string
  status?: number
  code?: string
  detail?: string
  errors?: FieldError[]
  /** Seconds to wait, on a 429 rate_limited answer (mirrors the Retry-After header). */
  retryAfter?: number
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly detail: string
  readonly errors: FieldError[]
  /** Seconds to wait from a 429 body's `retryAfter`, else null. */
  readonly retryAfter: number | null
  /** Set once a global handler has already shown this error to the user. */
  handled = false

  constructor(status: number, body: ProblemBody | null, fallback: string) {
    const detail = body?.detail || body?.title || fallback
    super(detail)
    this.name = 'ApiError'
    this.status = status
    this.code = body?.code ?? ''
    this.title = body?.title ?? ''
    this.detail = detail
    this.errors = Array.isArray(body?.errors) ? body!.errors! : []
    const ra = Number(body?.retryAfter)
    this.retryAfter = Number.isFinite(ra) && ra > 0 ? Math.ceil(ra) : null
  }
}

export type QueryValue = string | number | boolean | null | undefined
export type Query = Record<string, QueryValue>

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** Send the CSRF header. Defaults to true for POST/PUT/PATCH/DELETE. */
  csrf?: boolean
  /** Do not invoke the global error hook (the caller shows the error itself). */
  silent?: boolean
  /** Do not invoke the unauthorized hook on 401 (login form, /auth/me probe...). */
  noAuthRedirect?: boolean
  signal?: AbortSignal
}

export interface HttpHooks {
  /** Called on HTTP 401 unless `noAuthRedirect`. */
  onUnauthorized?: (err: ApiError) => void
  /** Called for every failed request unless `silent`. */
  onError?: (err: ApiError) => void
}

let csrfToken = ''
let hooks: HttpHooks = {}

export function setCsrfToken(token: string | null | undefined): void {
  csrfToken = token ?? ''
}

export function getCsrfToken(): string {
  return csrfToken
}

export function installHttpHooks(h: HttpHooks): void {
  hooks = { ...hooks, ...h }
}

export function buildQuery(query?: Query): string {
  if (!query) return ''
  const sp = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    sp.append(k, String(v))
  }
  const s = sp.toString()
  return s ? `?${s}` : ''
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export async function request<T = unknown>(
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<T> {
  const m = method.toUpperCase()
  const headers: Record<string, string> = { Accept: 'application/json' }
  let body: BodyInit | undefined
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  const wantCsrf = opts.csrf ?? UNSAFE.has(m)
  if (wantCsrf && csrfToken) headers['X-CSRF-Token'] = csrfToken

  let res: Response
  try {
    res = await fetch(API_BASE + path + buildQuery(opts.query), {
      method: m,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    })
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e
    const err = new ApiError(0, { code: 'network_error' }, 'network error')
    if (!opts.silent) hooks.onError?.(err)
    throw err
  }

  const text = res.status === 204 ? '' : await res.text()
  let data: unknown = null
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = null
    }
  }

  if (!res.ok) {
    const err = new ApiError(
      res.status,
      (data as ProblemBody) ?? null,
      res.statusText || `HTTP ${res.status}`,
    )
    if (res.status === 401 && !opts.noAuthRedirect) {
      hooks.onUnauthorized?.(err)
      err.handled = true
    } else if (!opts.silent) {
      hooks.onError?.(err)
      err.handled = true
    }
    throw err
  }
  return data as T
}

export const http = {
  get: <T>(path: string, query?: Query, opts: Omit<RequestOptions, 'query'> = {}) =>
    request<T>('GET', path, { ...opts, query }),
  post: <T>(path: string, body?: unknown, opts: Omit<RequestOptions, 'body'> = {}) =>
    request<T>('POST', path, { ...opts, body: body ?? {} }),
  put: <T>(path: string, body?: unknown, opts: Omit<RequestOptions, 'body'> = {}) =>
    request<T>('PUT', path, { ...opts, body: body ?? {} }),
  del: <T>(path: string, opts: RequestOptions = {}) => request<T>('DELETE', path, opts),
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError
}
