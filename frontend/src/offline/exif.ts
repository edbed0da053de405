// readExif reads when and where a camera photo was taken, from its EXIF,
// before the phone's compression (a canvas redraw) strips it. The upload
// sends it as the phone's claim: the server marks it so, and compares it
// with the day and place the entry claims. A photo without EXIF, or with a
// broken one, gives nothing — never an error.
export interface PhotoMeta {
  takenAt?: string // RFC 3339, Beijing time (EXIF times carry no zone)
  lat?: number
  lng?: number
}

export function readExif(buf: ArrayBuffer): PhotoMeta {
  try {
    const tiff = findTiff(new DataView(buf))
    return tiff ? readTiff(tiff) : {}
  } catch {
    return {}
  }
}

// findTiff walks a JPEG's segments to the APP1 "Exif\0\0" one.
function findTiff(v: DataView): DataView | null {
  if (v.byteLength < 4 || v.getUint16(0) !== 0xffd8) return null
  for (let at = 2; at + 4 <= v.byteLength; ) {
    const marker = v.getUint16(at)
    const size = v.getUint16(at + 2)
    if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) return null // not a marker, or image data began
    if (marker === 0xffe1 && v.getUint32(at + 4) === 0x45786966) { // "Exif"
      return new DataView(v.buffer, v.byteOffset + at + 10, Math.min(size - 8, v.byteLength - at - 10))
    }
    at += 2 + size
  }
  return null
}

type Entry = { type: number; count: number; value: number } // value: inline number or offset

function readTiff(t: DataView): PhotoMeta {
  const little = t.getUint16(0) === 0x4949
  const u16 = (o: number) => t.getUint16(o, little)
  const u32 = (o: number) => t.getUint32(o, little)
  const ifd = (offset: number): Map<number, Entry> => {
    const tags = new Map<number, Entry>()
    const n = u16(offset)
    for (let i = 0; i < n && i < 500; i++) {
      const e = offset + 2 + i * 12
      const type = u16(e + 2)
      const count = u32(e + 4)
      tags.set(u16(e), { type, count, value: type === 3 && count === 1 ? u16(e + 8) : u32(e + 8) })
    }
    return tags
  }
  const ascii = (e: Entry) => {
    const start = e.count <= 4 ? -1 : e.value
    let s = ''
    for (let i = 0; i < e.count && start >= 0; i++) {
      const c = t.getUint8(start + i)
      if (c === 0) break
      s += String.fromCharCode(c)
    }
    return s
  }
  const rational3 = (e: Entry) => [0, 1, 2].map((i) => u32(e.value + 8 * i) / (u32(e.value + 8 * i + 4) || NaN))
  const out: PhotoMeta = {}
  const root = ifd(u32(4))
  const exifIfd = root.get(0x8769)
  const taken = exifIfd && ifd(exifIfd.value).get(0x9003)
  const m = taken && /^(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d):(\d\d)/.exec(ascii(taken))
  if (m) out.takenAt = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`
  const gpsPointer = root.get(0x8825)
  if (gpsPointer) {
    const gps = ifd(gpsPointer.value)
    // N/S and E/W are one letter, kept in the entry itself, not at an offset.
    const refOf = (tag: number) => {
      const n = u16(gpsPointer.value)
      for (let i = 0; i < n; i++) {
        const at = gpsPointer.value + 2 + i * 12
        if (u16(at) === tag) return String.fromCharCode(t.getUint8(at + 8))
      }
      return ''
    }
    const lat = gps.get(2)
    const lng = gps.get(4)
    if (lat && lng) {
      const deg = (d: number[]) => d[0] + d[1] / 60 + d[2] / 3600
      const la = deg(rational3(lat)) * (refOf(1) === 'S' ? -1 : 1)
      const lo = deg(rational3(lng)) * (refOf(3) === 'W' ? -1 : 1)
      if (Number.isFinite(la) && Number.isFinite(lo)) Object.assign(out, { lat: la, lng: lo })
    }
  }
  return out
}
