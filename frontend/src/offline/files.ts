// Photos and files on the phone. A photo is compressed before it is stored
// (≤ 1600 px on its long side, ≤ 400 KB) and named by the id the server will
// give it — derived, like the server's attachments.IDFor, from the uploader and
// the bytes' SHA-256 — so an entry can reference it while still offline.
import type { OfflineDB } from './db'
import type { PhotoMeta } from './exif'

export const MAX_EDGE = 1600
export const MAX_BYTES = 400 * 1024

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('')

export async function sha256Hex(data: ArrayBuffer | Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', data as BufferSource))
}

/** attachmentId mirrors attachments.IDFor: hex(sha256(uploader + ":" + sha))[:24]. */
export async function attachmentId(uploaderId: string, sha: string): Promise<string> {
  const full = await sha256Hex(new TextEncoder().encode(`${uploaderId}:${sha}`))
  return full.slice(0, 24)
}

/** fitWithin scales width × height down so that the long side is at most edge. */
export function fitWithin(width: number, height: number, edge = MAX_EDGE): { width: number; height: number } {
  const scale = Math.min(1, edge / Math.max(width, height))
  return { width: Math.round(width * scale), height: Math.round(height * scale) }
}

/**
 * compressImage redraws a photo as JPEG within MAX_EDGE, lowering the quality
 * (then the size) until it fits MAX_BYTES. Files that are not images pass as is.
 */
export async function compressImage(file: Blob): Promise<Blob> {
  if (!file.type.startsWith('image/') || typeof createImageBitmap === 'undefined') return file
  const bitmap = await createImageBitmap(file)
  let { width, height } = fitWithin(bitmap.width, bitmap.height)
  for (let attempt = 0; attempt < 8; attempt++) {
    const canvas = document.createElement('canvas')
    canvas.width = width
    canvas.height = height
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0, width, height)
    for (const quality of [0.85, 0.75, 0.65, 0.55]) {
      const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/jpeg', quality))
      if (blob && blob.size <= MAX_BYTES) return blob
    }
    width = Math.round(width * 0.8)
    height = Math.round(height * 0.8)
  }
  throw new Error('照片无法压缩到 400 KB 以内，请换一张')
}

/** keepFile stores a (compressed) file, with what its original's EXIF said,
 *  and returns its attachment id. */
export async function keepFile(db: OfflineDB, uploaderId: string, blob: Blob, name: string, meta?: PhotoMeta): Promise<string> {
  const bytes = await blob.arrayBuffer()
  const id = await attachmentId(uploaderId, await sha256Hex(bytes))
  if (!(await db.files.get(id))) await db.files.put({ id, bytes, type: blob.type, name, uploaded: false, createdAt: Date.now(), meta })
  return id
}

/** fileBlob turns a stored file back into a Blob to show or upload. */
export const fileBlob = (f: { bytes: ArrayBuffer; type: string }) => new Blob([f.bytes], { type: f.type })

/** referencedFiles lists the attachment ids anywhere in an entry's data. */
export function referencedFiles(data: unknown, out: string[] = []): string[] {
  if (typeof data === 'string' && /^[0-9a-f]{24}$/.test(data)) out.push(data)
  else if (Array.isArray(data)) data.forEach((v) => referencedFiles(v, out))
  else if (data && typeof data === 'object') Object.values(data).forEach((v) => referencedFiles(v, out))
  return out
}
