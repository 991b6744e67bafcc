// Record ids: UUID version 7 (RFC 9562), time-ordered so that listing records in id order
// lists them (about) in creation order. Within a millisecond a 12-bit counter keeps the ids
// of this process increasing (RFC 9562 method 1); node's randomUUIDv7 does not, and one
// request creates up to 1000 records in the same millisecond.
import { randomFillSync, randomInt } from 'node:crypto'

let lastMs = 0
let counter = 0
// Random bytes drawn 8 KB at a time: one system call per thousand ids.
const randomPool = randomFillSync(Buffer.alloc(8192))
let poolAt = 0
// Each id's bytes are put together here, then written out as text.
const bytes = Buffer.alloc(16)

export function newRecordId(): string {
  let ms = Date.now()
  if (ms > lastMs) {
    lastMs = ms
    // Start low in the range so that the millisecond has room for many ids.
    counter = randomInt(0, 0x400)
  } else {
    ms = lastMs
    if (++counter > 0xfff) {
      ms = ++lastMs
      counter = 0
    }
  }
  randomPool.copy(bytes, 8, poolAt, poolAt + 8)
  poolAt += 8
  if (poolAt >= randomPool.length) {
    randomFillSync(randomPool)
    poolAt = 0
  }
  bytes.writeUIntBE(ms, 0, 6)
  bytes.writeUInt16BE(0x7000 | counter, 6)
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
