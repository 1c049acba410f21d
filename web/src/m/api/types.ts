/** Shapes of docs/api/vaccination.md (sections Citizen and Site staff). */

export type IdType = 'id_card' | 'passport' | 'other'
export type LinkKind = 'district' | 'street' | 'group'
export type SlotType = 'personal' | 'group' | 'foreign'

export interface PublicSlot {
  id: number
  type: SlotType
  vaccineId: number
  vaccineName: string
  vaccineNameEn?: string | null
  doses: number
  date: string
  startTime: string
  endTime: string
  siteName: string
  siteAddress: string
  remark: string
  remaining: number
  /** Booking this slot asks for the image captcha (GET /auth/captcha). */
  captcha?: boolean
}

export interface Grid {
  id: number
  name: string
  streetId: number
  streetName: string
}

export interface PublicLink {
  link: { kind: LinkKind; regionId: number; regionName: string; districtName: string }
  notice: string
  noticeEn: string
  minAge: number
  hasVaccine: boolean
  slots: PublicSlot[]
  grids: Grid[]
}

export type IneligibleReason =
  'under_age' | 'over_age' | 'course_complete' | 'already_booked' | 'interval_not_met'

export interface VaccineEligibility {
  vaccineId: number
  vaccineName: string
  vaccineNameEn?: string | null
  doses: number
  done: { doseNo: number; vaccinatedAt: number }[]
  active: { doseNo: number; code: string; date: string }[]
  nextDose: number | null
  eligible: boolean
  reason: IneligibleReason | null
  earliestDate: string | null
  dueDate: string | null
}

export interface Eligibility {
  age: number
  minAge?: number
  maxAge?: number
  vaccines: VaccineEligibility[]
}

export interface EligibilityRequest {
  token: string
  idType: IdType
  idNumber: string
  birthDate?: string
}

export interface ProxyInfo {
  name: string
  phone: string
  idNumber: string
  relation: string
}

export interface BookingRequest {
  token: string
  slotId: number
  doseNo: number
  gridId: number
  name: string
  idType: IdType
  idNumber: string
  birthDate?: string
  phone: string
  address?: string
  consent: true
  nationality?: string
  proxy?: ProxyInfo
  /** Only for a slot with `captcha: true`: id and answer of a fresh image (single-use). */
  captchaId?: string
  captcha?: string
}

export type CancelBy = 'citizen' | 'admin' | 'system' | 'site'

/** Fields common to PublicBooking (citizen) and Booking (site staff). */
export interface BookingBase {
  code: string
  type: SlotType
  name: string
  idType: IdType
  idMasked: string
  phoneMasked: string
  vaccineName: string
  vaccineNameEn?: string | null
  doseNo: number
  date: string
  startTime: string
  endTime: string
  siteName: string
  gridName: string
  status: 'booked' | 'cancelled'
  cancelBy: CancelBy | null
  cancelReason: string | null
  checkedIn: boolean
  checkedInAt: number | null
  vaccinated: boolean
  vaccinatedAt: number | null
  proxyName?: string | null
}

export interface PublicBooking extends BookingBase {
  gridId?: number
  siteAddress: string
  remark: string
  canCancel: boolean
  canEditProfile: boolean
}

export interface SiteBooking extends BookingBase {
  id: number
  vaccineId: number
  slotId: number
  siteId: number
  gridId: number
  lotNo: string | null
  vaccinator: string | null
  admissible: boolean
  windowFrom: number
  windowTo: number
  remark?: string
}

export type LookupRequest = { idNumber: string; phone: string } | { code: string; idNumber: string }

export interface SiteSession {
  staff: { id: number; name: string }
  site: { id: number; name: string; address: string; streetName: string }
  csrfToken?: string
}

export type SiteSearch = { code: string } | { short: string } | { idNumber: string }

export type NotVaccinatedReason = 'contraindication' | 'refused' | 'absent' | 'other'
