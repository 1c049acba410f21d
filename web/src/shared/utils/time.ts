const TZ = 'Asia/Shanghai'

const fmt = new Intl.DateTimeFormat('en-GB', {
  timeZone: TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

/** Epoch milliseconds (UTC) -> "YYYY-MM-DD HH:mm:ss" in Asia/Shanghai. */
export function formatTime(ms: number | string | null | undefined): string {
  if (ms === null || ms === undefined || ms === '') return ''
  const n = typeof ms === 'string' ? Number(ms) : ms
  if (!Number.isFinite(n)) return String(ms)
  const parts: Record<string, string> = {}
  for (const p of fmt.formatToParts(new Date(n))) parts[p.type] = p.value
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`
}

/** Today's date in Asia/Shanghai as yyyy-mm-dd. */
export function todayIso(): string {
  return formatTime(Date.now()).slice(0, 10)
}
