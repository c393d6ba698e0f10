// Verification and reset-password tokens (FASTAPI_USERS.md §10.6, §10.7): HS256 JWTs signed with jose, and the
// keyed fingerprint of the password hash that binds a reset token to the password it resets.
import { DateTime, Effect, Option, Redacted, Result } from "effect"
import { Base64Url } from "effect/encoding"
import { type JWTPayload, jwtVerify, SignJWT } from "jose"

const encoder = new TextEncoder()

/** An imported HMAC-SHA256 key (WebCrypto's `CryptoKey`). */
export type Key = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>

/** Imports an HMAC-SHA256 key once; it signs and verifies the JWTs and computes the fingerprints. */
export const importKey = (secret: Redacted.Redacted<string>): Effect.Effect<Key> =>
  Effect.promise(() =>
    globalThis.crypto.subtle.importKey(
      "raw",
      encoder.encode(Redacted.value(secret)),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"]
    )
  )

const HEADER = { alg: "HS256", typ: "JWT" } as const
const ALGORITHMS = ["HS256"]

/** Signs `claims` (kept in the given order) as an HS256 JWT. */
export const sign = (key: Key, claims: JWTPayload): Effect.Effect<string> =>
  Effect.promise(() => new SignJWT(claims).setProtectedHeader(HEADER).sign(key))

/**
 * The claims of a valid token (signature, HS256 only, `aud` containing `audience`, `exp` in the future of `now`,
 * which comes from Effect's `Clock`); `None` for any JWT error.
 */
export const verify = (
  key: Key,
  token: string,
  audience: string,
  now: DateTime.Utc
): Effect.Effect<Option.Option<JWTPayload>> =>
  Effect.promise(() =>
    jwtVerify(token, key, { algorithms: ALGORITHMS, audience, currentDate: DateTime.toDateUtc(now) }).then(
      (result) => Option.some(result.payload),
      () => Option.none()
    )
  )

/** The keyed fingerprint of a password hash: HMAC-SHA256 under the reset secret, base64url without padding. */
export const fingerprint = (key: Key, hashedPassword: string): Effect.Effect<string> =>
  Effect.promise(() => globalThis.crypto.subtle.sign("HMAC", key, encoder.encode(hashedPassword))).pipe(
    Effect.map((mac) => Base64Url.encode(new Uint8Array(mac)))
  )

/** Whether `candidate` is the fingerprint of `hashedPassword` (WebCrypto's HMAC verify compares in constant time). */
export const matchesFingerprint = (key: Key, candidate: string, hashedPassword: string): Effect.Effect<boolean> =>
  Result.match(Base64Url.decode(candidate), {
    onFailure: () => Effect.succeed(false),
    onSuccess: (mac) =>
      Effect.promise(() => globalThis.crypto.subtle.verify("HMAC", key, mac, encoder.encode(hashedPassword)))
  })
