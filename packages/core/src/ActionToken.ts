/**
 * The one JWT stack of effect-users' single-purpose tokens: verification, reset-password and OAuth state tokens are
 * HS256 JWTs with a per-purpose audience (FastAPI Users' `fastapi-users:verify`, `fastapi-users:reset` and
 * `fastapi-users:oauth-state`), plus keyed HMACs (the reset token's password fingerprint, values derived from a
 * secret). Signing and HMACs use node:crypto's synchronous HMAC (microseconds, never queued behind hashes on libuv's
 * thread pool); verification goes through jose.
 *
 * @since 0.0.0
 */
import { DateTime, Effect, Redacted, Result } from "effect"
import type { Option } from "effect"
import { errors, type JWTPayload, jwtVerify } from "jose"
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto"

/**
 * An imported HMAC-SHA256 key.
 *
 * @since 0.0.0
 * @category models
 */
export type Key = KeyObject

/**
 * The claims of a token.
 *
 * @since 0.0.0
 * @category models
 */
export type Claims = JWTPayload

/**
 * Imports an HMAC-SHA256 key once; it signs and verifies the JWTs and computes the HMACs.
 *
 * @since 0.0.0
 * @category constructors
 */
export const importKey = (secret: Redacted.Redacted<string>): Effect.Effect<Key> =>
  Effect.sync(() => createSecretKey(Buffer.from(Redacted.value(secret), "utf8")))

// The header FastAPI Users (PyJWT) and jose write, in this order.
const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" }), "utf8").toString("base64url")
const ALGORITHMS = ["HS256"]

const hmac = (key: Key, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest()

/**
 * Signs `claims` (kept in the given order) as an HS256 JWT, synchronously.
 *
 * @since 0.0.0
 * @category constructors
 */
export const signSync = (key: Key, claims: Claims): string => {
  const input = `${HEADER}.${Buffer.from(JSON.stringify(claims), "utf8").toString("base64url")}`
  return `${input}.${hmac(key, input).toString("base64url")}`
}

/**
 * Signs `claims` (kept in the given order) as an HS256 JWT.
 *
 * @since 0.0.0
 * @category constructors
 */
export const sign = (key: Key, claims: Claims): Effect.Effect<string> => Effect.sync(() => signSync(key, claims))

/**
 * Why a token was refused: `Expired` (a valid signature, `exp` past: FastAPI Users' `ACCESS_TOKEN_ALREADY_EXPIRED`)
 * or `Invalid` (anything else: malformed, bad signature, another algorithm or `typ`, a `crit` header, another
 * audience, no `exp`).
 *
 * @since 0.0.0
 * @category models
 */
export type Refusal = "Expired" | "Invalid"

const BASE64URL = /^[A-Za-z0-9_-]+$/u

// Three segments, each in canonical base64url: jose, like most decoders, ignores the unused low bits of a segment's
// last character, so without this one token would have several spellings that all verify (a changed last character
// of the signature still verifying). PyJWT and this module only ever write the canonical one.
const isCanonical = (token: string): boolean => {
  const segments = token.split(".")
  return segments.length === 3 &&
    segments.every((segment) =>
      BASE64URL.test(segment) && Buffer.from(segment, "base64url").toString("base64url") === segment
    )
}

const singleAudience = (aud: unknown): unknown =>
  typeof aud === "string" ? aud : Array.isArray(aud) && aud.length === 1 ? aud[0] : undefined

/**
 * The claims of a valid token of one purpose, or why it is refused: the signature (HS256 only), the header's `typ`
 * exactly `JWT` and no `crit`, an `exp` in the future of `now` (from Effect's `Clock`), and `aud` exactly the
 * purpose's audience (a string, or an array holding only it), so no token serves two purposes. As PyJWT does, a
 * correctly signed token whose `exp` is past is `Expired` whatever its other claims.
 *
 * @since 0.0.0
 * @category decoding
 */
export const decode = (
  key: Key,
  token: string,
  audience: string,
  now: DateTime.Utc
): Effect.Effect<Result.Result<Claims, Refusal>> =>
  !isCanonical(token) ? Effect.succeed(Result.fail("Invalid")) : Effect.promise(() =>
    jwtVerify(token, key, {
      algorithms: ALGORITHMS,
      audience,
      requiredClaims: ["exp"],
      currentDate: DateTime.toDateUtc(now)
    }).then(
      ({ payload, protectedHeader }): Result.Result<Claims, Refusal> =>
        protectedHeader.typ === "JWT" && protectedHeader.crit === undefined &&
          singleAudience(payload.aud) === audience
          ? Result.succeed(payload)
          : Result.fail("Invalid"),
      (error: unknown): Result.Result<Claims, Refusal> => {
        // jose checks the audience before the lifetime, PyJWT the lifetime first: a signed token whose `exp` is past
        // is expired in both orders (jose reports claim failures only once the signature is verified)
        if (error instanceof errors.JWTExpired) return Result.fail("Expired")
        if (error instanceof errors.JWTClaimValidationFailed) {
          const exp = error.payload.exp
          if (typeof exp === "number" && exp * 1000 <= DateTime.toEpochMillis(now)) return Result.fail("Expired")
        }
        return Result.fail("Invalid")
      }
    )
  )

/**
 * The claims of a valid token of one purpose, `None` for anything else (`decode` without the reason).
 *
 * @since 0.0.0
 * @category decoding
 */
export const verify = (
  key: Key,
  token: string,
  audience: string,
  now: DateTime.Utc
): Effect.Effect<Option.Option<Claims>> => Effect.map(decode(key, token, audience, now), Result.getSuccess)

/**
 * HMAC-SHA256 of `data` under `key`, base64url without padding (43 characters).
 *
 * @since 0.0.0
 * @category constructors
 */
export const macSync = (key: Key, data: string): string => hmac(key, data).toString("base64url")

/**
 * The keyed fingerprint of a password hash: HMAC-SHA256 under the reset secret, base64url without padding.
 *
 * @since 0.0.0
 * @category constructors
 */
export const fingerprintSync = (key: Key, hashedPassword: string): string => macSync(key, hashedPassword)

/**
 * The keyed fingerprint of a password hash, as an effect.
 *
 * @since 0.0.0
 * @category constructors
 */
export const fingerprint = (key: Key, hashedPassword: string): Effect.Effect<string> =>
  Effect.sync(() => fingerprintSync(key, hashedPassword))

/**
 * Whether `candidate` is the fingerprint of `hashedPassword` (compared in constant time).
 *
 * @since 0.0.0
 * @category predicates
 */
export const matchesFingerprint = (key: Key, candidate: string, hashedPassword: string): Effect.Effect<boolean> =>
  Effect.sync(() => {
    const expected = hmac(key, hashedPassword)
    const given = Buffer.from(candidate, "base64url")
    // Canonical base64url only, so one fingerprint has one spelling.
    return given.toString("base64url") === candidate && given.length === expected.length &&
      timingSafeEqual(given, expected)
  })

/**
 * Whether two strings are equal, compared in constant time (for a given length).
 *
 * @since 0.0.0
 * @category predicates
 */
export const equalsConstantTime = (a: string, b: string): boolean => {
  const left = Buffer.from(a, "utf8")
  const right = Buffer.from(b, "utf8")
  return left.length === right.length && timingSafeEqual(left, right)
}
