// Chinese names for what the API says in codes.
export const statusNames: Record<string, string> = {
  draft: '草稿', submitted: '待审核', reviewed: '待复核', approved: '已通过', returned: '已退回', rejected: '已驳回',
  accepted: '已立项', rectifying: '整改中', rectified: '待销号', closed: '已销号', filed: '已报送',
}

export const actionNames: Record<string, string> = {
  create: '创建', edit: '修改', submit: '提交', approve: '通过', return: '退回', reject: '驳回',
  accept: '立项', measure: '报整改结果', rectify: '提请销号', close: '销号', reopen: '重新整改', import: '导入',
}

/** Actions that need words from the one who takes them. */
export const needsComment = (action: string, status: string) =>
  ['return', 'reject', 'reopen'].includes(action) || (action === 'close' && status !== 'rectified')

export const roleNames: Record<string, string> = {
  cadre: '干部', author: '填报人', supervisor: '审核人', admin: '管理员', office: '领导小组办公室', system: '系统',
}

export const statusTone: Record<string, 'primary' | 'success' | 'warning' | 'danger' | 'default'> = {
  submitted: 'primary', reviewed: 'primary', approved: 'success', closed: 'success', filed: 'success',
  returned: 'warning', rectifying: 'warning', rectified: 'primary', rejected: 'danger', draft: 'default', accepted: 'primary',
}

/** periodName reads a period key: 2026-W49 → 2026年第49周, 2026-12 → 2026年12月. */
export function periodName(period?: string): string {
  const week = /^(\d{4})-W(\d{2})$/.exec(period ?? '')
  if (week) return `${week[1]}年第${Number(week[2])}周`
  const month = /^(\d{4})-(\d{2})$/.exec(period ?? '')
  if (month) return `${month[1]}年${Number(month[2])}月`
  return period === 'once' ? '一次性报送' : ''
}

/** A short Beijing date, "11月27日". */
export function formatDay(iso?: string | null): string {
  if (!iso) return ''
  const b = new Date(new Date(iso).getTime() + 8 * 3600 * 1000)
  return `${b.getUTCMonth() + 1}月${b.getUTCDate()}日`
}

export function formatTime(iso?: string | null): string {
  if (!iso) return ''
  const d = new Date(iso)
  const beijing = new Date(d.getTime() + 8 * 3600 * 1000)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${beijing.getUTCFullYear()}-${p(beijing.getUTCMonth() + 1)}-${p(beijing.getUTCDate())} ${p(beijing.getUTCHours())}:${p(beijing.getUTCMinutes())}`
}
