/**
 * The attack table: one row per rejection JwtStrategy promises (what PyJWT under FastAPI Users 15.0.5 refuses, and more),
 * run against every verification path (HS256 through node:crypto; RS256, ES256, EdDSA through jose). Every row is a
 * token that is otherwise valid (signed with the strategy's own key, right audience, not expired) unless the row is
 * about that very property, so each row fails if its check is removed; the `control` row proves the baseline is
 * accepted.
 */
import * as JwtStrategy from "@effect-users/strategy-jwt/JwtStrategy"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { TestClock } from "effect/testing"
import { createSecretKey, generateKeyPairSync } from "node:crypto"
import type { KeyObject } from "node:crypto"
import {
  asymmetricPath,
  b64,
  forge,
  hs256Path,
  layerFixedUsers,
  makeUser,
  NOW,
  NOW_S,
  OTHER_ID,
  signBytes,
  UNKNOWN_ID,
  USER_ID
} from "./utils.ts"
import type { Path } from "./utils.ts"

interface Attack {
  readonly name: string
  /** The token, or `undefined` when the row does not apply to the path. */
  readonly token: (path: Path) => string | undefined
  /** `true` only for the control row. */
  readonly accepted?: boolean
}

const header = (path: Path, extra: Record<string, unknown> = {}) =>
  path.kid === undefined
    ? { alg: path.algorithm, typ: "JWT", ...extra }
    : { alg: path.algorithm, kid: path.kid, typ: "JWT", ...extra }

const claims = (extra: Record<string, unknown> = {}) => ({
  sub: USER_ID,
  aud: ["fastapi-users:auth"],
  exp: NOW_S + 3600,
  ...extra
})

const valid = (path: Path, h: unknown = header(path), p: unknown = claims()) => forge(path.algorithm, path.key, h, p)

const without = (record: Record<string, unknown>, key: string) =>
  Object.fromEntries(Object.entries(record).filter(([k]) => k !== key))

/** Replaces one segment of a token, keeping the others. */
const withSegment = (token: string, index: 0 | 1 | 2, segment: string) => {
  const parts = token.split(".")
  parts[index] = segment
  return parts.join(".")
}

/** Flips one bit of the decoded signature. */
const flipSignatureBit = (token: string) => {
  const signature = Buffer.from(token.split(".")[2] ?? "", "base64url")
  signature[0] = (signature[0] ?? 0) ^ 1
  return withSegment(token, 2, signature.toString("base64url"))
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/** Re-encodes the signature non-canonically: same bytes, different last character (unused low bits set). */
const nonCanonicalSignature = (token: string) => {
  const signature = token.split(".")[2] ?? ""
  const bytes = Buffer.from(signature, "base64url")
  const unusedBits = bytes.length % 3 === 1 ? 4 : bytes.length % 3 === 2 ? 2 : 0
  if (unusedBits === 0) return undefined
  const last = BASE64URL.indexOf(signature.at(-1) ?? "A")
  const tweaked = signature.slice(0, -1) + (BASE64URL[last | 1] ?? "")
  if (tweaked === signature || !Buffer.from(tweaked, "base64url").equals(bytes)) return undefined
  return withSegment(token, 2, tweaked)
}

const otherRsa = generateKeyPairSync("rsa", { modulusLength: 2048 })

/** A key of the path's kind that the strategy does not hold. */
const strangerKey = (path: Path): KeyObject => {
  switch (path.algorithm) {
    case "HS256":
      return createSecretKey(Buffer.from("another-secret-of-reasonable-length-0123456789", "utf8"))
    case "RS256":
      return otherRsa.privateKey
    case "ES256":
      return generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey
    case "EdDSA":
      return generateKeyPairSync("ed25519").privateKey
  }
}

const attacks: ReadonlyArray<Attack> = [
  { name: "control: a valid token is accepted", token: (p) => valid(p), accepted: true },
  // alg: none, with no signature, and with a valid signature so that only the algorithm check can reject it
  { name: "alg none, empty signature", token: (p) => `${b64(header(p, { alg: "none" }))}.${b64(claims())}.` },
  { name: "alg none, signed by the right key", token: (p) => valid(p, header(p, { alg: "none" })) },
  { name: "alg None (case variant), signed by the right key", token: (p) => valid(p, header(p, { alg: "None" })) },
  { name: "alg header missing", token: (p) => valid(p, without(header(p), "alg")) },
  // algorithm confusion
  {
    name: "algorithm confusion: HS256 signed with the RSA/EC/Ed public key PEM as the HMAC secret",
    token: (p) =>
      p.publicPem === undefined
        ? undefined
        : forge("HS256", createSecretKey(Buffer.from(p.publicPem, "utf8")), header(p, { alg: "HS256" }), claims())
  },
  {
    name: "another algorithm than the configured one, validly signed (RS256 presented to HS256)",
    token: (p) =>
      p.algorithm === "RS256" ? undefined : forge("RS256", otherRsa.privateKey, header(p, { alg: "RS256" }), claims())
  },
  {
    name: "configured algorithm in the header but signed by a key the strategy does not hold",
    token: (p) => forge(p.algorithm, strangerKey(p), header(p), claims())
  },
  // audience
  { name: "wrong audience", token: (p) => valid(p, header(p), claims({ aud: ["another-app:auth"] })) },
  { name: "missing audience", token: (p) => valid(p, header(p), without(claims(), "aud")) },
  { name: "empty audience list", token: (p) => valid(p, header(p), claims({ aud: [] })) },
  { name: "empty audience string", token: (p) => valid(p, header(p), claims({ aud: "" })) },
  {
    name: "audience of the wrong type",
    token: (p) => valid(p, header(p), claims({ aud: { 0: "fastapi-users:auth" } }))
  },
  {
    name: "audience list with a non-string member",
    token: (p) => valid(p, header(p), claims({ aud: ["fastapi-users:auth", 1] }))
  },
  // time
  { name: "expired (exp one second ago)", token: (p) => valid(p, header(p), claims({ exp: NOW_S - 1 })) },
  {
    name: "expired (exp exactly now, as PyJWT: exp <= now)",
    token: (p) => valid(p, header(p), claims({ exp: NOW_S }))
  },
  { name: "exp not a number", token: (p) => valid(p, header(p), claims({ exp: `${NOW_S + 3600}` })) },
  { name: "not yet valid (nbf in the future)", token: (p) => valid(p, header(p), claims({ nbf: NOW_S + 60 })) },
  { name: "issued in the future (iat)", token: (p) => valid(p, header(p), claims({ iat: NOW_S + 60 })) },
  { name: "nbf not a number", token: (p) => valid(p, header(p), claims({ nbf: "0" })) },
  { name: "iat not a number", token: (p) => valid(p, header(p), claims({ iat: "0" })) },
  // tampering
  { name: "tampered signature (one bit flipped)", token: (p) => flipSignatureBit(valid(p)) },
  { name: "signature not canonically encoded (same bytes, stray bits)", token: (p) => nonCanonicalSignature(valid(p)) },
  { name: "signature stripped", token: (p) => withSegment(valid(p), 2, "") },
  {
    name: "tampered payload (sub swapped to another user, signature kept)",
    token: (p) => withSegment(valid(p), 1, b64(claims({ sub: OTHER_ID })))
  },
  {
    name: "tampered payload (exp extended, signature kept)",
    token: (p) => withSegment(valid(p, header(p), claims({ exp: NOW_S - 1 })), 1, b64(claims({ exp: NOW_S + 9999 })))
  },
  {
    name: "tampered header (typ changed, signature kept)",
    token: (p) => withSegment(valid(p), 0, b64(header(p, { typ: "jwt", x: 1 })))
  },
  // critical header parameters
  { name: "crit with an unknown extension", token: (p) => valid(p, header(p, { crit: ["exp"], exp: NOW_S + 60 })) },
  { name: "crit b64 with an unencoded payload", token: (p) => valid(p, header(p, { crit: ["b64"], b64: false })) },
  { name: "crit that is not a list", token: (p) => valid(p, header(p, { crit: "x", x: 1 })) },
  { name: "b64 false without crit (unencoded payload)", token: (p) => valid(p, header(p, { b64: false })) },
  // tokens of other purposes signed with the same secret / key (verification, reset and OAuth state tokens)
  {
    name: "verify action token (aud fastapi-users:verify)",
    token: (p) =>
      valid(p, header(p), { sub: USER_ID, email: "a@example.com", aud: "fastapi-users:verify", exp: NOW_S + 3600 })
  },
  {
    name: "reset-password action token (aud fastapi-users:reset)",
    token: (p) =>
      valid(p, header(p), {
        sub: USER_ID,
        password_fgpt: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        aud: "fastapi-users:reset",
        exp: NOW_S + 3600
      })
  },
  {
    name: "OAuth state token (aud fastapi-users:oauth-state, associate flow with sub)",
    token: (p) =>
      valid(p, header(p), { sub: USER_ID, csrftoken: "c", aud: "fastapi-users:oauth-state", exp: NOW_S + 3600 })
  },
  // subject and other claims
  { name: "missing sub", token: (p) => valid(p, header(p), without(claims(), "sub")) },
  { name: "sub not a string", token: (p) => valid(p, header(p), claims({ sub: 42 })) },
  { name: "sub not a valid id", token: (p) => valid(p, header(p), claims({ sub: "not-a-uuid" })) },
  { name: "sub of an unknown user", token: (p) => valid(p, header(p), claims({ sub: UNKNOWN_ID })) },
  { name: "jti not a string", token: (p) => valid(p, header(p), claims({ jti: 1 })) },
  // header shape
  { name: "typ other than JWT", token: (p) => valid(p, header(p, { typ: "at+jwt" })) },
  { name: "kid not a string", token: (p) => valid(p, header(p, { kid: 1 })) },
  {
    name: "kid unknown to the key set",
    token: (p) => p.kid === undefined ? undefined : valid(p, header(p, { kid: "unknown" }))
  },
  // malformed
  { name: "two segments", token: (p) => valid(p).split(".").slice(0, 2).join(".") },
  { name: "four segments", token: (p) => `${valid(p)}.` },
  { name: "padded base64url", token: (p) => withSegment(valid(p), 2, `${valid(p).split(".")[2]}=`) },
  { name: "base64 (not url) alphabet", token: (p) => valid(p).replace(/-/gu, "+").replace(/_/gu, "/") + "+/" },
  { name: "header not a JSON object", token: (p) => valid(p, [header(p)]) },
  { name: "payload not a JSON object", token: (p) => valid(p, header(p), [claims()]) },
  { name: "payload not JSON", token: (p) => forgeRaw(p, b64(header(p)), b64("{not json")) },
  {
    name: "payload not UTF-8",
    token: (p) => forgeRaw(p, b64(header(p)), Buffer.from([0x7b, 0xff, 0x7d]).toString("base64url"))
  },
  { name: "empty token", token: () => "" },
  {
    name: "oversized token (over 8 KiB), otherwise valid",
    token: (p) => valid(p, header(p), claims({ padding: "x".repeat(8192) }))
  }
]

/** Signs raw segments (for payloads that are not JSON). */
const forgeRaw = (path: Path, headerSegment: string, payloadSegment: string) => {
  const signingInput = `${headerSegment}.${payloadSegment}`
  return `${signingInput}.${signBytes(path.algorithm, path.key, signingInput).toString("base64url")}`
}

const paths: ReadonlyArray<Path> = [
  hs256Path,
  ...(await Effect.runPromise(Effect.forEach(["RS256", "ES256", "EdDSA"] as const, asymmetricPath)))
]

for (const path of paths) {
  describe(path.name, () => {
    for (const attack of attacks) {
      const token = attack.token(path)
      // a row that does not apply to this path (e.g. a public-key attack on HS256) is not registered
      if (token === undefined) continue
      it.effect(attack.name, () =>
        Effect.gen(function*() {
          yield* TestClock.setTime(NOW)
          const strategy = yield* JwtStrategy.make(path.options)
          const user = yield* strategy.readToken(token)
          if (attack.accepted === true) {
            assert.strictEqual(Option.getOrThrow(user).id, USER_ID, "the control token must be accepted")
          } else {
            assert.isTrue(Option.isNone(user), `accepted: ${token}`)
          }
        }).pipe(Effect.provide(layerFixedUsers([makeUser(USER_ID), makeUser(OTHER_ID)]))))
    }
  })
}
