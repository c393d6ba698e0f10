import { Clock, Effect } from "effect"
import { randomBytes } from "node:crypto"

let lastMillis = -1
let sequence = 0

/**
 * A UUIDv7 (RFC 9562): time-ordered, and strictly increasing within this process (a 12-bit counter fills the
 * `rand_a` field), so ordering OAuth accounts by id is their insertion order.
 */
export const uuidV7: Effect.Effect<string> = Effect.map(Clock.currentTimeMillis, (now) => {
  let millis = Math.max(0, Math.floor(now))
  if (millis <= lastMillis) {
    millis = lastMillis
    sequence++
    if (sequence > 0xfff) {
      millis++
      sequence = 0
    }
  } else {
    sequence = 0
  }
  lastMillis = millis
  const bytes = randomBytes(16)
  const time = millis.toString(16).padStart(12, "0").slice(-12)
  for (let i = 0; i < 6; i++) bytes[i] = Number.parseInt(time.slice(i * 2, i * 2 + 2), 16)
  bytes[6] = 0x70 | (sequence >> 8)
  bytes[7] = sequence & 0xff
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f)
  const hex = bytes.toString("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
})
