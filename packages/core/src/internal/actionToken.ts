// Verification and reset-password tokens: HS256 JWTs, and the keyed fingerprint of
// the password hash that binds a reset token to the password it resets. Signing and fingerprints use node:crypto's
// synchronous HMAC (microseconds, never queued behind hashes on libuv's thread pool, so issuing a token does not
// slow the answer); verification goes through jose.
import { DateTime, Effect, Option, Redacted } from "effect"
import { type JWTPayload, jwtVerify } from "jose"
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto"

/** An imported HMAC-SHA256 key. */
export type Key = KeyObject

/** Imports an HMAC-SHA256 key once; it signs and verifies the JWTs and computes the fingerprints. */
export const importKey = (secret: Redacted.Redacted<string>): Effect.Effect<Key> =>
  Effect.sync(() => createSecretKey(Buffer.from(Redacted.value(secret), "utf8")))

// The header FastAPI Users (PyJWT) and jose write, in this order.
const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" }), "utf8").toString("base64url")
const ALGORITHMS = ["HS256"]

const hmac = (key: Key, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest()

/** Signs `claims` (kept in the given order) as an HS256 JWT, synchronously. */
export const signSync = (key: Key, claims: JWTPayload): string => {
  const input = `${HEADER}.${Buffer.from(JSON.stringify(claims), "utf8").toString("base64url")}`
  return `${input}.${hmac(key, input).toString("base64url")}`
}

/** Signs `claims` (kept in the given order) as an HS256 JWT. */
export const sign = (key: Key, claims: JWTPayload): Effect.Effect<string> => Effect.sync(() => signSync(key, claims))

/**
 * The claims of a valid token of one purpose, `None` for anything else: the signature (HS256 only), the header's
 * `typ` exactly `JWT` and no `crit`, an `exp` in the future of `now` (from Effect's `Clock`), and `aud` exactly the
 * purpose's audience (a string, or an array holding only it), so no token serves two purposes.
 */
export const verify = (
  key: Key,
  token: string,
  audience: string,
  now: DateTime.Utc
): Effect.Effect<Option.Option<JWTPayload>> =>
  Effect.promise(() =>
    jwtVerify(token, key, {
      algorithms: ALGORITHMS,
      audience,
      requiredClaims: ["exp"],
      currentDate: DateTime.toDateUtc(now)
    }).then(
      ({ payload, protectedHeader }) => {
        const aud = payload.aud
        const single = typeof aud === "string" ? aud : Array.isArray(aud) && aud.length === 1 ? aud[0] : undefined
        return protectedHeader.typ === "JWT" && protectedHeader.crit === undefined && single === audience
          ? Option.some(payload)
          : Option.none()
      },
      () => Option.none()
    )
  )

/** The keyed fingerprint of a password hash: HMAC-SHA256 under the reset secret, base64url without padding. */
export const fingerprintSync = (key: Key, hashedPassword: string): string =>
  hmac(key, hashedPassword).toString("base64url")

/** The keyed fingerprint of a password hash, as an effect. */
export const fingerprint = (key: Key, hashedPassword: string): Effect.Effect<string> =>
  Effect.sync(() => fingerprintSync(key, hashedPassword))

/** Whether `candidate` is the fingerprint of `hashedPassword` (compared in constant time). */
export const matchesFingerprint = (key: Key, candidate: string, hashedPassword: string): Effect.Effect<boolean> =>
  Effect.sync(() => {
    const expected = hmac(key, hashedPassword)
    const given = Buffer.from(candidate, "base64url")
    // Canonical base64url only, so one fingerprint has one spelling.
    return given.toString("base64url") === candidate && given.length === expected.length &&
      timingSafeEqual(given, expected)
  })
