/**
 * JWT access tokens (FastAPI Users' `JWTStrategy`): `sub`, `aud`, `exp` claims,
 * interoperable with FastAPI Users both ways; HS256 with a secret (verified synchronously through `node:crypto`),
 * RS256, ES256 and EdDSA with a rotating key set (verified through jose).
 *
 * @since 0.0.0
 */
import { DestroyNotSupported, StrategyError } from "@effect-users/core/Strategy"
import type { Strategy } from "@effect-users/core/Strategy"
import { UserModel } from "@effect-users/core/User"
import type { User } from "@effect-users/core/User"
import { UserRepository } from "@effect-users/core/UserRepository"
import { Clock, Duration, Effect, Option, Redacted, Schema } from "effect"
import { CompactSign, compactVerify } from "jose"
import { createSecretKey } from "node:crypto"
import * as Jwt from "./internal/jwt.ts"
import type * as JwtKeySet from "./JwtKeySet.ts"

/**
 * FastAPI Users' default access-token audience.
 *
 * @since 0.0.0
 * @category constants
 */
export const defaultAudience: ReadonlyArray<string> = ["fastapi-users:auth"]

/**
 * The message of `destroyToken`'s `DestroyNotSupported`, as FastAPI Users words it.
 *
 * @since 0.0.0
 * @category constants
 */
export const destroyNotSupportedMessage = "A JWT can't be invalidated: it's valid until it expires."

/**
 * The fewest bytes (UTF-8) an HS256 secret may have: 32, the output size of HMAC-SHA256 (RFC 7518 §3.2 requires a
 * key of at least that size). A shorter secret, empty included, is refused when the strategy is built.
 *
 * @since 0.0.0
 * @category constants
 */
export const minimumSecretBytes = 32

/**
 * The HS256 secret is shorter than {@link minimumSecretBytes}: a token signed with it could be forged by guessing.
 *
 * @since 0.0.0
 * @category errors
 */
export class JwtSecretTooShort extends Schema.TaggedError<JwtSecretTooShort>()("JwtSecretTooShort", {
  bytes: Schema.Number,
  minimum: Schema.Number
}) {
  /** The explanation, without the secret. */
  override get message(): string {
    return `JwtStrategy: the HS256 secret has ${this.bytes} bytes; at least ${this.minimum} are required ` +
      "(e.g. 32 random bytes, base64url-encoded: 43 characters)"
  }
}

/**
 * Options common to both key kinds. `lifetime` absent, zero or infinite: tokens carry no `exp` (FastAPI Users'
 * `lifetime_seconds=None`). `audience` defaults to `["fastapi-users:auth"]`: a token is accepted when its `aud`
 * overlaps it.
 *
 * @since 0.0.0
 * @category models
 */
export interface CommonOptions {
  readonly lifetime?: Duration.Input | undefined
  readonly audience?: ReadonlyArray<string> | undefined
}

/**
 * HS256 with a shared secret (FastAPI Users' default; the secret's UTF-8 bytes are the HMAC key).
 *
 * @since 0.0.0
 * @category models
 */
export interface SecretOptions extends CommonOptions {
  readonly secret: Redacted.Redacted<string>
  readonly algorithm?: "HS256" | undefined
}

/**
 * An asymmetric algorithm with a key set (see `JwtKeySet`): the algorithm is the key set's own.
 *
 * @since 0.0.0
 * @category models
 */
export interface KeySetOptions extends CommonOptions {
  readonly keys: JwtKeySet.KeySet
}

/**
 * The options of `make`.
 *
 * @since 0.0.0
 * @category models
 */
export type Options = SecretOptions | KeySetOptions

/**
 * A token verifier and signer, without the user lookup: what `make` is built on, exposed for benchmarks and for
 * code that needs the verified claims. `verify` yields the validated `sub`, or `None` for any invalid token.
 *
 * @since 0.0.0
 * @category models
 */
export interface Codec {
  readonly algorithm: "HS256" | JwtKeySet.Algorithm
  readonly audience: ReadonlyArray<string>
  readonly sign: (sub: string) => Effect.Effect<string, StrategyError>
  readonly verify: (token: string) => Effect.Effect<Option.Option<string>>
}

const lifetimeMillis = (lifetime: Duration.Input | undefined): number | undefined => {
  if (lifetime === undefined) return undefined
  const millis = Duration.toMillis(Duration.fromInputUnsafe(lifetime))
  return millis > 0 && Number.isFinite(millis) ? millis : undefined
}

const claimsJson = (sub: string, audience: ReadonlyArray<string>, lifetime: number | undefined, now: number) =>
  Jwt.pythonJson(
    lifetime === undefined ? { sub, aud: audience } : { sub, aud: audience, exp: Math.floor((now + lifetime) / 1000) }
  )

const none = Effect.succeed(Option.none())

const makeHs256 = (
  secret: Redacted.Redacted<string>,
  audience: ReadonlyArray<string>,
  lifetime: number | undefined
): Codec => {
  const key = createSecretKey(Buffer.from(Redacted.value(secret), "utf8"))
  return {
    algorithm: "HS256",
    audience,
    sign: (sub) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const payload = Buffer.from(claimsJson(sub, audience, lifetime, now), "utf8").toString("base64url")
        const signingInput = `${Jwt.HS256_HEADER}.${payload}`
        return `${signingInput}.${Jwt.hs256(key, signingInput).toString("base64url")}`
      }),
    verify: (token) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const claims = Jwt.verifyHs256(key, audience, token, now)
        return claims === undefined ? Option.none() : Option.some(claims.sub)
      })
  }
}

const makeAsymmetric = (
  keys: JwtKeySet.KeySet,
  audience: ReadonlyArray<string>,
  lifetime: number | undefined
): Codec => {
  const algorithm = keys.algorithm
  const allowed = { algorithms: [algorithm] }
  // PyJWT sorts header keys; FastAPI Users with `headers={"kid": ...}` writes exactly this header.
  const header = { alg: algorithm, kid: keys.kid, typ: "JWT" }
  const current = keys.verificationKeys.get(keys.kid)
  const verifyAt = async (token: string, now: number): Promise<Option.Option<string>> => {
    const parsed = Jwt.parse(token, algorithm)
    if (parsed === undefined) return Option.none()
    // A token without `kid` (as FastAPI Users signs) is checked against the current key only.
    const key = parsed.kid === undefined ? current : keys.verificationKeys.get(parsed.kid)
    if (key === undefined) return Option.none()
    try {
      await compactVerify(token, key.key, allowed)
    } catch {
      return Option.none()
    }
    const payload = Jwt.parsePayload(parsed.payloadSegment)
    const claims = payload === undefined ? undefined : Jwt.checkClaims(payload, audience, now)
    return claims === undefined ? Option.none() : Option.some(claims.sub)
  }
  return {
    algorithm,
    audience,
    sign: (sub) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.tryPromise({
          try: () =>
            new CompactSign(Buffer.from(claimsJson(sub, audience, lifetime, now), "utf8"))
              .setProtectedHeader(header)
              .sign(Redacted.value(keys.signingKey)),
          catch: (cause) => new StrategyError({ method: "writeToken", cause })
        })),
    verify: (token) => Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.promise(() => verifyAt(token, now)))
  }
}

/**
 * Builds the token codec for the options: the key material is imported here, once; an HS256 secret shorter than
 * {@link minimumSecretBytes} fails with `JwtSecretTooShort`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const makeCodec = (options: Options): Effect.Effect<Codec, JwtSecretTooShort> =>
  Effect.suspend(() => {
    const audience = options.audience ?? defaultAudience
    const lifetime = lifetimeMillis(options.lifetime)
    if (!("secret" in options)) return Effect.succeed(makeAsymmetric(options.keys, audience, lifetime))
    const bytes = Buffer.byteLength(Redacted.value(options.secret), "utf8")
    return bytes < minimumSecretBytes
      ? Effect.fail(new JwtSecretTooShort({ bytes, minimum: minimumSecretBytes }))
      : Effect.succeed(makeHs256(options.secret, audience, lifetime))
  })

/**
 * Builds a JWT strategy (an HS256 secret shorter than {@link minimumSecretBytes} fails with `JwtSecretTooShort`).
 * `readToken` verifies the token (the configured algorithm only, signature, `exp`, `nbf`,
 * `iat`, audience; no `crit`) and resolves its `sub` through the `UserRepository` with the model's id kind: any
 * invalid token, unparsable `sub` or unknown user is `None`. `destroyToken` and `destroyAllForUser` fail with
 * `DestroyNotSupported` (logout swallows it): a JWT stays valid until it expires.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Strategy, JwtSecretTooShort, UserRepository | UserModel> =>
  Effect.gen(function*() {
    const repository = yield* UserRepository
    const model = yield* UserModel
    const codec = yield* makeCodec(options)
    const destroyNotSupported = Effect.fail(new DestroyNotSupported({ message: destroyNotSupportedMessage }))
    return {
      readToken: (token) =>
        Effect.flatMap(codec.verify(token), (sub) => {
          if (Option.isNone(sub)) return none
          const id = model.id.parse(sub.value)
          return Option.isNone(id) ? none : repository.get(id.value)
        }),
      writeToken: (user: User) => codec.sign(model.id.format(user.id)),
      destroyToken: () => destroyNotSupported,
      destroyAllForUser: () => destroyNotSupported
    }
  })
