// What the shell shows about the server: it answers (/healthz) and can reach its
// database (/readyz). Any failure is reported in Chinese, never as a raw error.
export type ServerState = 'checking' | 'ready' | 'degraded' | 'offline'

export const stateText: Record<ServerState, string> = {
  checking: '正在连接服务器…',
  ready: '服务正常',
  degraded: '服务器已连接，但数据库暂不可用，请稍后重试',
  offline: '无法连接服务器，请检查网络',
}

export async function checkServer(fetchFn: typeof fetch = fetch): Promise<ServerState> {
  try {
    const live = await fetchFn('/healthz')
    if (!live.ok) return 'offline'
    const ready = await fetchFn('/readyz')
    return ready.ok ? 'ready' : 'degraded'
  } catch {
    return 'offline'
  }
}
