// Chinese names for what the API says in codes.
export const statusNames: Record<string, string> = {
  draft: '草稿', submitted: '待审核', reviewed: '待复核', approved: '已通过', returned: '已退回', rejected: '已驳回',
  accepted: '已立项', rectifying: '整改中', rectified: '待销号', closed: '已销号', filed: '已报送',
}

export const actionNames: Record<string, string> = {
  create: '创建', edit: '修改', submit: '提交', approve: '通过', return: '退回', reject: '驳回',
  accept: '立项', rectify: '报整改结果', close: '销号', reopen: '重新整改',
}

export const roleNames: Record<string, string> = {
  cadre: '干部', author: '填报人', supervisor: '审核人', admin: '管理员', office: '领导小组办公室', system: '系统',
}

export const statusTone: Record<string, 'primary' | 'success' | 'warning' | 'danger' | 'default'> = {
  submitted: 'primary', reviewed: 'primary', approved: 'success', closed: 'success', filed: 'success',
  returned: 'warning', rectifying: 'warning', rectified: 'primary', rejected: 'danger', draft: 'default', accepted: 'primary',
}

export function formatTime(iso?: string | null): string {
  if (!iso) return ''
  const d = new Date(iso)
  const beijing = new Date(d.getTime() + 8 * 3600 * 1000)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${beijing.getUTCFullYear()}-${p(beijing.getUTCMonth() + 1)}-${p(beijing.getUTCDate())} ${p(beijing.getUTCHours())}:${p(beijing.getUTCMinutes())}`
}
