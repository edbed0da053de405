// 消息推送: reminders reach the phone when the app is closed, through the
// browser's push service. The server sends only to browsers that asked.
import { api } from '../stores/session'

export const pushSupported = () =>
  typeof navigator !== 'undefined' && 'serviceWorker' in navigator && typeof window !== 'undefined' && 'PushManager' in window && 'Notification' in window

export async function pushSubscription(): Promise<PushSubscription | null> {
  if (!pushSupported()) return null
  const reg = await navigator.serviceWorker.ready
  return reg.pushManager.getSubscription()
}

/** keyBytes turns the server's base64url VAPID key into what subscribe wants. */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4)
  const raw = atob(base64)
  const out = new Uint8Array(new ArrayBuffer(raw.length))
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i)
  return out
}

/** turnOn asks for permission, subscribes this browser and tells the server. */
export async function turnOn(): Promise<void> {
  const permission = await Notification.requestPermission()
  if (permission !== 'granted') throw new Error('浏览器未允许通知：请在浏览器或系统设置中允许本站发送通知后再试')
  const { publicKey } = await api().request<{ publicKey: string }>('/api/v1/push/key')
  const reg = await navigator.serviceWorker.ready
  const sub = (await reg.pushManager.getSubscription()) ??
    (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }))
  await api().request('/api/v1/push/subscriptions', { method: 'POST', body: sub.toJSON() })
}

/** turnOff tells the server first, then drops the browser's subscription. */
export async function turnOff(): Promise<void> {
  const sub = await pushSubscription()
  if (!sub) return
  await api().request('/api/v1/push/subscriptions', { method: 'DELETE', body: { endpoint: sub.endpoint } })
  await sub.unsubscribe()
}
