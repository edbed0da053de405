import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readExif } from './exif'

// testdata/exif.jpg was written by the server's own test helper
// (signals/signalstest.JPEGWithEXIF): taken 2026:10:28 09:15:30 at 30.63, -120.15.
const photo = readFileSync(resolve(process.cwd(), 'src/offline/testdata/exif.jpg')) // vitest runs in frontend/
const buf = photo.buffer.slice(photo.byteOffset, photo.byteOffset + photo.byteLength)

describe('reading a photo EXIF on the phone', () => {
  it('reads the capture time and position', () => {
    const m = readExif(buf)
    expect(m.takenAt).toBe('2026-10-28T09:15:30+08:00')
    expect(m.lat).toBeCloseTo(30.63, 4)
    expect(m.lng).toBeCloseTo(-120.15, 4)
  })

  it('gives nothing, without throwing, for what is not a camera photo', () => {
    expect(readExif(new ArrayBuffer(0))).toEqual({})
    expect(readExif(new TextEncoder().encode('%PDF-1.7').buffer)).toEqual({})
    expect(readExif(buf.slice(0, 60))).toEqual({}) // truncated
    const broken = new Uint8Array(buf.slice(0))
    broken.fill(0xff, 30, 80)
    expect(() => readExif(broken.buffer)).not.toThrow()
  })
})
