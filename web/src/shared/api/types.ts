/** Shapes of the Fangyi JSON API (/api/v1). Times are epoch milliseconds (UTC). */

export type Id = number | string

export interface Page<T> {
  items: T[]
  total: number
}

export interface PageQuery {
  page?: number
  pageSize?: number
}

export interface CurrentUser {
  id: Id
  username: string
  nickname: string
  phone?: string
  regionId?: Id | null
  regionName?: string
  /** 1 city, 2 district, 3 street, 4 grid. */
  regionLevel?: number
  mustChangePassword?: boolean
}

export interface MenuItem {
  key: string
  title: string
  titleEn?: string
  path: string
  perm?: string
  icon?: string
}

export interface MenuGroup {
  key: string
  title: string
  titleEn?: string
  icon?: string
  /** Not in the contract: a top-level entry without children may carry its own path. */
  path?: string
  perm?: string
  children?: MenuItem[]
}

export interface MeResponse {
  user: CurrentUser
  permissions: string[]
  menus: MenuGroup[]
  csrfToken: string
  mustChangePassword?: boolean
}

export interface LoginRequest {
  username: string
  password: string
  captchaId: string
  captcha: string
  smsCode?: string
}

/** The login answer: at least these fields (the server may answer the whole MeResponse). */
export interface LoginResponse {
  user: CurrentUser
  mustChangePassword?: boolean
  csrfToken: string
  permissions?: string[]
  menus?: MenuGroup[]
}

export interface Captcha {
  captchaId: string
  image: string
}

export type SmsPurpose = 'login' | 'reset'

export interface RoleRef {
  id: Id
  name: string
}

export interface User {
  id: Id
  username: string
  nickname: string
  phone: string
  email: string
  regionId: Id | null
  regionName: string
  roles: RoleRef[]
  enabled: boolean
  mustChangePassword: boolean
  createdAt: number
}

export interface Role {
  id: Id
  name: string
  code: string
  remark: string
  enabled: boolean
  permissions: string[]
  createdAt: number
  /** Region node that owns the role. */
  regionId?: Id
  /** The built-in 超级管理员. */
  builtin?: boolean
  /** Whether the caller may change this role (role list only). */
  editable?: boolean
}

export interface PermButton {
  code: string
  title: string
  titleEn?: string
}

export interface PermMenu {
  code: string
  title: string
  titleEn?: string
  buttons?: PermButton[]
}

export interface PermGroup {
  key: string
  title: string
  titleEn?: string
  children?: PermMenu[]
}

export type RegionKind = 'community' | 'village'

export interface RegionNode {
  id: Id
  parentId: Id | null
  name: string
  level: number
  kind?: RegionKind | null
  population: number
  sortOrder: number
  enabled: boolean
  linkToken?: string | null
  path?: string
  children?: RegionNode[]
}

export interface RegionSummary {
  districts: number
  streets: number
  grids: number
  population: number
  users: number
  regionName?: string
}

export interface LoginLog {
  id: Id
  username: string
  ip: string
  success: boolean
  reason: string | null
  createdAt: number
}

export type AuditEntity = 'iam_user' | 'iam_role' | 'region_node' | 'notify_template'

export interface AuditLog {
  id: Id
  createdAt: number
  actorId: Id | null
  actorName: string
  ip: string
  action: string
  entity: string
  entityId: Id | null
  summary: string
  before: Record<string, unknown> | null
  after: Record<string, unknown> | null
}

export type SmsStatus = 'pending' | 'sent' | 'failed'

export interface SmsMessage {
  id: Id
  phone: string
  template: string
  content: string
  status: SmsStatus
  attempts: number
  createdAt: number
  sentAt: number | null
}

export interface SmsTemplate {
  code: string
  name: string
  content: string
  updatedAt: number
}
