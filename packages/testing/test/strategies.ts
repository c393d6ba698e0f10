/**
 * Two small strategies that exist only to run `StrategyConformance` here: an opaque revocable one (a map from a
 * random token to its user) and a signed stateless one (an HMAC-signed `sub` + `exp`, not revocable, like a JWT).
 * The real strategies live in strategy-db, strategy-redis and strategy-jwt.
 */
import { DestroyNotSupported } from "@effect-users/core/Strategy"
import type { User, UserModel } from "@effect-users/core/User"
import { UserRepository } from "@effect-users/core/UserRepository"
import { StrategyUnderTest } from "@effect-users/testing/StrategyConformance"
import { Clock, Duration, Effect, Layer, Option, Schema } from "effect"
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"

/** An opaque-token strategy: tokens are random, live `lifetime` (time from `Clock`) and can be revoked. */
export const layerOpaque = (
  lifetime: Duration.Input
): Layer.Layer<StrategyUnderTest, never, UserRepository | UserModel> =>
  Layer.effect(
    StrategyUnderTest,
    Effect.gen(function*() {
      const users = yield* UserRepository
      const ttl = Duration.toMillis(Duration.fromInputUnsafe(lifetime))
      const tokens = new Map<string, { readonly owner: User["id"]; readonly createdAt: number }>()
      return StrategyUnderTest.of({
        writeToken: (user) =>
          Effect.map(Clock.currentTimeMillis, (now) => {
            const token = randomBytes(32).toString("base64url")
            tokens.set(token, { owner: user.id, createdAt: now })
            return token
          }),
        readToken: (token) =>
          Effect.gen(function*() {
            const record = tokens.get(token)
            if (record === undefined) return Option.none()
            if ((yield* Clock.currentTimeMillis) - record.createdAt > ttl) return Option.none()
            return yield* users.get(record.owner)
          }),
        destroyToken: (token) => Effect.sync(() => void tokens.delete(token)),
        destroyAllForUser: (user) =>
          Effect.sync(() => {
            for (const [token, record] of tokens) if (record.owner === user.id) tokens.delete(token)
          })
      })
    })
  )

const Claims = Schema.fromJsonString(Schema.Struct({ sub: Schema.String, exp: Schema.Int }))

/** A stateless signed-token strategy: `base64url(claims).base64url(hmac)`, valid until `exp` (seconds), unrevocable. */
export const layerSigned = (
  lifetime: Duration.Input
): Layer.Layer<StrategyUnderTest, never, UserRepository | UserModel> =>
  Layer.effect(
    StrategyUnderTest,
    Effect.gen(function*() {
      const users = yield* UserRepository
      const secret = randomBytes(32)
      // The claims carry the id's string form; this map turns it back into an id without the model's id kind, whose
      // declared type core's emitted declarations fix to the default model's (see the testing README).
      const ids = new Map<string, User["id"]>()
      const seconds = Math.floor(Duration.toSeconds(Duration.fromInputUnsafe(lifetime)))
      const sign = (payload: string) => createHmac("sha256", secret).update(payload).digest()
      const notSupported = new DestroyNotSupported({ message: "a signed token is valid until it expires" })
      return StrategyUnderTest.of({
        writeToken: (user) =>
          Effect.map(Clock.currentTimeMillis, (now) => {
            ids.set(String(user.id), user.id)
            const claims = JSON.stringify({ sub: String(user.id), exp: Math.floor(now / 1000) + seconds })
            const payload = Buffer.from(claims).toString("base64url")
            return `${payload}.${sign(payload).toString("base64url")}`
          }),
        readToken: (token) =>
          Effect.gen(function*() {
            const [payload, signature, ...rest] = token.split(".")
            if (payload === undefined || signature === undefined || rest.length > 0) return Option.none()
            const expected = sign(payload)
            const given = Buffer.from(signature, "base64url")
            if (given.length !== expected.length || !timingSafeEqual(given, expected)) return Option.none()
            if (signature !== expected.toString("base64url")) return Option.none()
            const claims = Schema.decodeUnknownOption(Claims)(Buffer.from(payload, "base64url").toString())
            if (Option.isNone(claims)) return Option.none()
            if (claims.value.exp * 1000 <= (yield* Clock.currentTimeMillis)) return Option.none()
            const id = ids.get(claims.value.sub)
            return id === undefined ? Option.none() : yield* users.get(id)
          }),
        destroyToken: () => Effect.fail(notSupported),
        destroyAllForUser: () => Effect.fail(notSupported)
      })
    })
  )
