import { http } from '@shared/api/http'
import type {
  AuditLog,
  Id,
  LoginLog,
  Page,
  PageQuery,
  PermGroup,
  RegionKind,
  RegionNode,
  RegionSummary,
  Role,
  SmsMessage,
  SmsStatus,
  SmsTemplate,
  User,
} from '@shared/api/types'

const enc = (id: Id) => encodeURIComponent(String(id))

export interface UserQuery extends PageQuery {
  regionId?: Id
  keyword?: string
  enabled?: boolean
}

export interface UserCreate {
  username: string
  nickname: string
  phone?: string
  email?: string
  regionId: Id | null
  roleIds: Id[]
  password: string
}

export interface UserUpdate {
  nickname: string
  phone?: string
  email?: string
}

export const userApi = {
  list: (q: UserQuery) => http.get<Page<User>>('/iam/users', { ...q }),
  get: (id: Id) => http.get<User>(`/iam/users/${enc(id)}`),
  create: (body: UserCreate) => http.post<User>('/iam/users', body, { silent: true }),
  update: (id: Id, body: UserUpdate) =>
    http.put<User>(`/iam/users/${enc(id)}`, body, { silent: true }),
  remove: (id: Id) => http.del<void>(`/iam/users/${enc(id)}`),
  setStatus: (id: Id, enabled: boolean) =>
    http.post<void>(`/iam/users/${enc(id)}/status`, { enabled }),
  resetPassword: (id: Id, password: string) =>
    http.post<void>(`/iam/users/${enc(id)}/reset-password`, { password }, { silent: true }),
  setRoles: (id: Id, roleIds: Id[]) => http.put<void>(`/iam/users/${enc(id)}/roles`, { roleIds }),
  move: (id: Id, regionId: Id) => http.post<void>(`/iam/users/${enc(id)}/move`, { regionId }),
  reveal: (id: Id) => http.post<{ phone: string }>(`/iam/users/${enc(id)}/reveal`, {}),
}

export interface RoleQuery extends PageQuery {
  keyword?: string
}

export const roleApi = {
  list: (q: RoleQuery, opts: { silent?: boolean } = {}) =>
    http.get<Page<Role>>('/iam/roles', { ...q }, opts),
  create: (body: { name: string; code: string; remark: string }) =>
    http.post<Role>('/iam/roles', body, { silent: true }),
  update: (id: Id, body: { name: string; remark: string }) =>
    http.put<Role>(`/iam/roles/${enc(id)}`, body, { silent: true }),
  remove: (id: Id) => http.del<void>(`/iam/roles/${enc(id)}`),
  setStatus: (id: Id, enabled: boolean) =>
    http.post<void>(`/iam/roles/${enc(id)}/status`, { enabled }),
  setPermissions: (id: Id, permissions: string[]) =>
    http.put<void>(`/iam/roles/${enc(id)}/permissions`, { permissions }),
  catalog: () => http.get<{ items: PermGroup[] }>('/iam/permissions'),
}

export interface RegionNodeQuery extends PageQuery {
  parentId?: Id
  keyword?: string
}

export interface RegionCreate {
  parentId: Id
  name: string
  population: number
  sortOrder: number
  enabled: boolean
  kind?: RegionKind
}

export interface RegionUpdate {
  name: string
  population: number
  sortOrder: number
  kind?: RegionKind
}

export const regionApi = {
  tree: () => http.get<{ items: RegionNode[] }>('/region/tree'),
  nodes: (q: RegionNodeQuery) => http.get<Page<RegionNode>>('/region/nodes', { ...q }),
  get: (id: Id) => http.get<RegionNode>(`/region/nodes/${enc(id)}`),
  create: (body: RegionCreate) => http.post<RegionNode>('/region/nodes', body, { silent: true }),
  update: (id: Id, body: RegionUpdate) =>
    http.put<RegionNode>(`/region/nodes/${enc(id)}`, body, { silent: true }),
  setStatus: (id: Id, enabled: boolean) =>
    http.post<void>(`/region/nodes/${enc(id)}/status`, { enabled }),
  move: (id: Id, parentId: Id) => http.post<void>(`/region/nodes/${enc(id)}/move`, { parentId }),
  summary: () => http.get<RegionSummary>('/region/summary'),
}

export interface LoginLogQuery extends PageQuery {
  username?: string
  success?: boolean
  from?: string
  to?: string
}

export interface AuditQuery extends PageQuery {
  actor?: string
  entity?: string
  entityId?: Id
  action?: string
  from?: string
  to?: string
}

export const logApi = {
  loginLogs: (q: LoginLogQuery) => http.get<Page<LoginLog>>('/iam/login-logs', { ...q }),
  auditLogs: (q: AuditQuery, opts: { silent?: boolean } = {}) =>
    http.get<Page<AuditLog>>('/audit/logs', { ...q }, opts),
}

export const notifyApi = {
  sms: (q: PageQuery & { status?: SmsStatus }) =>
    http.get<Page<SmsMessage>>('/notify/sms', { ...q }),
  templates: () => http.get<{ items: SmsTemplate[] }>('/notify/templates'),
  updateTemplate: (code: string, content: string) =>
    http.put<SmsTemplate>(`/notify/templates/${enc(code)}`, { content }, { silent: true }),
}
