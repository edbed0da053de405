import { describe, expect, it } from 'vitest'
import { keyBytes } from './push'

describe('keyBytes', () => {
  it('reads a base64url VAPID key as its 65 bytes', () => {
    const key = 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM'
    const bytes = keyBytes(key)
    expect(bytes.length).toBe(65)
    expect(bytes[0]).toBe(4) // an uncompressed P-256 point
  })
})
