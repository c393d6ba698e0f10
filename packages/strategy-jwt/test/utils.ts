import type { User } from "@effect-users/core/User"
import * as UserModule from "@effect-users/core/User"
import { UserRepository } from "@effect-users/core/UserRepository"
import * as JwtKeySet from "@effect-users/strategy-jwt/JwtKeySet"
import type * as JwtStrategy from "@effect-users/strategy-jwt/JwtStrategy"
import { Effect, Layer, Option, Redacted } from "effect"
import { createHmac, createPrivateKey, createSecretKey, sign } from "node:crypto"
import type { KeyObject } from "node:crypto"

/** A fixed instant for tests (2026-11-25T00:00:00Z), set on the TestClock. */
export const NOW = Date.UTC(2026, 10, 25)
export const NOW_S = NOW / 1000

export const USER_ID = "0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11"
export const OTHER_ID = "6f1d3c2a-9a0e-4b8e-8f6b-2f0d1c9e7a55"
export const UNKNOWN_ID = "3c9e1a44-5b7d-4e2f-a0c1-8d6f2b9e4a70"

export const makeUser = (id: string): User => ({
  id,
  email: `${id.slice(0, 8)}@example.com`,
  hashed_password: "x",
  is_active: true,
  is_superuser: false,
  is_verified: false,
  oauth_accounts: []
})

/** A repository holding fixed users with known ids (the memory repository generates its own ids). */
export const layerFixedUsers = (users: ReadonlyArray<User>): Layer.Layer<UserRepository | UserModule.UserModel> => {
  const byId = new Map(users.map((u) => [u.id, u]))
  const unsupported = Effect.die(new Error("not used by the strategy"))
  return Layer.merge(
    Layer.succeed(
      UserRepository,
      UserRepository.of({
        get: (id) => Effect.sync(() => Option.fromNullishOr(byId.get(id))),
        getByEmail: () => unsupported,
        getByOAuthAccount: () => unsupported,
        create: () => unsupported,
        update: () => unsupported,
        replaceHashedPassword: () => unsupported,
        delete: () => unsupported,
        addOAuthAccount: () => unsupported,
        updateOAuthAccount: () => unsupported
      })
    ),
    UserModule.layerDefaultModel
  )
}

export const b64 = (value: unknown): string =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value), "utf8").toString("base64url")

/** Signs `signingInput` with `key` as `algorithm` does, independently of the implementation under test. */
export const signBytes = (algorithm: string, key: KeyObject, signingInput: string): Buffer => {
  const data = Buffer.from(signingInput, "utf8")
  switch (algorithm) {
    case "HS256":
      return createHmac("sha256", key).update(data).digest()
    case "RS256":
      return sign("sha256", data, key)
    case "ES256":
      return sign("sha256", data, { key, dsaEncoding: "ieee-p1363" })
    case "EdDSA":
      return sign(null, data, key)
    default:
      throw new Error(`no signer for ${algorithm}`)
  }
}

/** Builds a compact JWS from any header and payload, signed with `key` as `algorithm`. */
export const forge = (algorithm: string, key: KeyObject, header: unknown, payload: unknown): string => {
  const signingInput = `${b64(header)}.${b64(payload)}`
  return `${signingInput}.${signBytes(algorithm, key, signingInput).toString("base64url")}`
}

/** A verification path under test: the strategy options and the key that signs like its configuration. */
export interface Path {
  readonly name: string
  readonly algorithm: "HS256" | JwtKeySet.Algorithm
  readonly options: JwtStrategy.Options
  /** Signs as the configured key does (the HMAC secret or the current private key). */
  readonly key: KeyObject
  /** The `kid` the strategy writes (asymmetric paths). */
  readonly kid: string | undefined
  /** The public key PEM (asymmetric paths), for algorithm-confusion attacks. */
  readonly publicPem: string | undefined
}

export const SECRET = "a-test-secret-of-reasonable-length-0123456789"

export const hs256Path: Path = {
  name: "HS256 (node:crypto)",
  algorithm: "HS256",
  options: { secret: Redacted.make(SECRET), lifetime: "1 hour" },
  key: createSecretKey(Buffer.from(SECRET, "utf8")),
  kid: undefined,
  publicPem: undefined
}

export const asymmetricPath = (algorithm: JwtKeySet.Algorithm): Effect.Effect<Path, JwtKeySet.JwtKeyError> =>
  Effect.gen(function*() {
    const pem = yield* JwtKeySet.generatePem(algorithm)
    const keys = yield* JwtKeySet.make({ algorithm, signing: { privateKey: pem.privateKey } })
    return {
      name: `${algorithm} (jose)`,
      algorithm,
      options: { keys, lifetime: "1 hour" },
      key: createPrivateKey(Redacted.value(pem.privateKey)),
      kid: keys.kid,
      publicPem: pem.publicKey
    }
  })

/** Decodes a segment of a compact JWS as JSON. */
export const decodeSegment = (token: string, index: 0 | 1): unknown =>
  JSON.parse(Buffer.from(token.split(".")[index] ?? "", "base64url").toString("utf8"))
