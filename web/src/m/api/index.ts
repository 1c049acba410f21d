import { call, newIdempotencyKey, withIdempotencyKey } from './client'
import type {
  BookingRequest,
  Eligibility,
  EligibilityRequest,
  LookupRequest,
  NotVaccinatedReason,
  PublicBooking,
  PublicLink,
  SiteBooking,
  SiteSearch,
  SiteSession,
} from './types'

const PUB = '/public/vaccination'
const enc = encodeURIComponent

export const publicApi = {
  link: (token: string, foreign: boolean) =>
    call<PublicLink>('GET', `${PUB}/links/${enc(token)}`, {
      query: foreign ? { foreign: 1 } : undefined,
    }),
  eligibility: (body: EligibilityRequest) =>
    call<Eligibility>('POST', `${PUB}/eligibility`, { body, csrf: false }),
  /** `key` stays the same for retries of one submission. */
  book: (body: BookingRequest, key: string = newIdempotencyKey()) =>
    withIdempotencyKey(`${PUB}/bookings`, key, () =>
      call<PublicBooking>('POST', `${PUB}/bookings`, { body, csrf: false }),
    ),
  lookup: (body: LookupRequest) =>
    call<{ items: PublicBooking[] }>('POST', `${PUB}/lookup`, { body, csrf: false }),
  cancel: (code: string, idNumber: string) =>
    call<PublicBooking>('POST', `${PUB}/bookings/${enc(code)}/cancel`, {
      body: { idNumber },
      csrf: false,
    }),
  profile: (code: string, body: { idNumber: string; gridId: number; phone: string }) =>
    call<PublicBooking>('POST', `${PUB}/bookings/${enc(code)}/profile`, { body, csrf: false }),
  qrUrl: (code: string) => `/api/v1${PUB}/bookings/${enc(code)}/qr.svg`,
}

export const siteApi = {
  login: (name: string, passcode: string) =>
    call<SiteSession>('POST', '/site/login', { body: { name, passcode }, csrf: false }),
  logout: () => call<void>('POST', '/site/logout', { body: {} }),
  me: () => call<SiteSession>('GET', '/site/me'),
  search: (body: SiteSearch) =>
    call<{ items: SiteBooking[] }>('POST', '/site/bookings/search', { body }),
  checkin: (id: number) => call<SiteBooking>('POST', `/site/bookings/${id}/checkin`, { body: {} }),
  vaccinate: (id: number, body: { lotNo: string; vaccinator: string; vaccinatedAt?: number }) =>
    call<SiteBooking>('POST', `/site/bookings/${id}/vaccinate`, { body }),
  notVaccinated: (id: number, body: { reason: NotVaccinatedReason; note?: string }) =>
    call<SiteBooking>('POST', `/site/bookings/${id}/not-vaccinated`, { body }),
}
