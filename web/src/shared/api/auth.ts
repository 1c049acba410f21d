import { http } from './http'
import type { Captcha, LoginRequest, LoginResponse, MeResponse, SmsPurpose } from './types'

// Endpoints that must work without a session never send the CSRF header and
// never trigger the global "go to login" redirect on 401.
const PUBLIC = { csrf: false, noAuthRedirect: true, silent: true } as const

export const authApi = {
  captcha: () => http.get<Captcha>('/auth/captcha', undefined, PUBLIC),
  login: (body: LoginRequest) => http.post<LoginResponse>('/auth/login', body, PUBLIC),
  smsCode: (body: { username: string; captchaId: string; captcha: string; purpose: SmsPurpose }) =>
    http.post<{ sent: boolean }>('/auth/sms-code', body, PUBLIC),
  forgot: (body: { username: string; smsCode: string; newPassword: string }) =>
    http.post<void>('/auth/password/forgot', body, PUBLIC),
  changePassword: (body: { oldPassword: string; newPassword: string }) =>
    http.post<void>('/auth/password', body, { noAuthRedirect: true, silent: true }),
  logout: () => http.post<void>('/auth/logout', {}, { noAuthRedirect: true, silent: true }),
  me: () => http.get<MeResponse>('/auth/me', undefined, { noAuthRedirect: true, silent: true }),
}
