/**
 * Incremental SHA-256 (FIPS 180-4, section 6.2), written for the demo's hash job: WebCrypto's
 * `crypto.subtle.digest()` takes the whole input at once, so hashing a 200 MB file with it
 * would hold the file in memory. This one takes the input piece by piece:
 *
 *   const hash = createSha256()
 *   for (const piece of pieces) hash.update(piece)
 *   const hex = toHex(hash.digest())
 *
 * Pure arithmetic, no platform API: it runs in workers, pages and Node alike.
 */

/** The first 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4, 4.2.2). */
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

/** The first 32 bits of the fractional parts of the square roots of the first 8 primes (FIPS 180-4, 5.3.3). */
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19] as const

const BLOCK = 64

/** A running SHA-256: feed it with `update()`, read it once with `digest()`. */
export interface Sha256 {
  /** Adds bytes to the message. Returns the same hash, so calls chain. */
  update(data: Uint8Array): Sha256
  /** The 32-byte digest of everything added. The hash cannot be updated afterwards. */
  digest(): Uint8Array
}

export function createSha256(): Sha256 {
  const state = new Int32Array(H0)
  const schedule = new Int32Array(64)
  /** Bytes of an incomplete block, kept until the next update() fills it. */
  const pending = new Uint8Array(BLOCK)
  let pendingLength = 0
  /** Message length in bytes; a double holds it exactly up to 2^53, far past any file. */
  let length = 0
  let finished = false

  /** Processes whole 64-byte blocks of `data` from `offset` (FIPS 180-4, 6.2.2). */
  const compress = (data: Uint8Array, offset: number, end: number): void => {
    const w = schedule
    let h0 = state[0]!
    let h1 = state[1]!
    let h2 = state[2]!
    let h3 = state[3]!
    let h4 = state[4]!
    let h5 = state[5]!
    let h6 = state[6]!
    let h7 = state[7]!
    for (let at = offset; at + BLOCK <= end; at += BLOCK) {
      for (let t = 0; t < 16; t++) {
        const i = at + t * 4
        w[t] = (data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!
      }
      for (let t = 16; t < 64; t++) {
        const x = w[t - 15]!
        const y = w[t - 2]!
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
        w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0
      }
      let a = h0
      let b = h1
      let c = h2
      let d = h3
      let e = h4
      let f = h5
      let g = h6
      let h = h7
      for (let t = 0; t < 64; t++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
        const ch = (e & f) ^ (~e & g)
        const t1 = (h + S1 + ch + K[t]! + w[t]!) | 0
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
        const maj = (a & b) ^ (a & c) ^ (b & c)
        const t2 = (S0 + maj) | 0
        h = g
        g = f
        f = e
        e = (d + t1) | 0
        d = c
        c = b
        b = a
        a = (t1 + t2) | 0
      }
      h0 = (h0 + a) | 0
      h1 = (h1 + b) | 0
      h2 = (h2 + c) | 0
      h3 = (h3 + d) | 0
      h4 = (h4 + e) | 0
      h5 = (h5 + f) | 0
      h6 = (h6 + g) | 0
      h7 = (h7 + h) | 0
    }
    state[0] = h0
    state[1] = h1
    state[2] = h2
    state[3] = h3
    state[4] = h4
    state[5] = h5
    state[6] = h6
    state[7] = h7
  }

  const hash: Sha256 = {
    update(data) {
      if (finished) throw new Error('This SHA-256 was already digested; create a new one with createSha256().')
      length += data.length
      let offset = 0
      if (pendingLength > 0) {
        const take = Math.min(BLOCK - pendingLength, data.length)
        pending.set(data.subarray(0, take), pendingLength)
        pendingLength += take
        offset = take
        if (pendingLength < BLOCK) return hash
        compress(pending, 0, BLOCK)
        pendingLength = 0
      }
      const whole = offset + Math.floor((data.length - offset) / BLOCK) * BLOCK
      compress(data, offset, whole)
      pending.set(data.subarray(whole), 0)
      pendingLength = data.length - whole
      return hash
    },
    digest() {
      if (finished) throw new Error('This SHA-256 was already digested; create a new one with createSha256().')
      // Padding (FIPS 180-4, 5.1.1): a 1 bit, zeros, then the length in bits as 64 bits big-endian.
      const bits = length * 8
      const padLength = pendingLength < 56 ? 64 - pendingLength : 128 - pendingLength
      const padding = new Uint8Array(padLength)
      padding[0] = 0x80
      const view = new DataView(padding.buffer)
      view.setUint32(padLength - 8, Math.floor(bits / 2 ** 32))
      view.setUint32(padLength - 4, bits >>> 0)
      hash.update(padding)
      finished = true
      const out = new Uint8Array(32)
      const outView = new DataView(out.buffer)
      for (let i = 0; i < 8; i++) outView.setUint32(i * 4, state[i]!)
      return out
    },
  }
  return hash
}

/** Lowercase hexadecimal of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
}
