/**
 * Core's own verify and reset-password action tokens (minted by `UserManager` with the very secret the JWT strategy
 * uses) are not access tokens: the audience check refuses them. The attack table has hand-built ones shaped like
 * FastAPI Users 15.0.5's; these are the real ones.
 */
import * as DeliveryQueue from "@effect-users/core/DeliveryQueue"
import * as Mailer from "@effect-users/core/Mailer"
import * as PasswordHasher from "@effect-users/core/PasswordHasher"
import * as PasswordPolicy from "@effect-users/core/PasswordPolicy"
import * as UserModel from "@effect-users/core/User"
import * as UserHooks from "@effect-users/core/UserHooks"
import * as UserManager from "@effect-users/core/UserManager"
import * as UserRepository from "@effect-users/core/UserRepository"
import * as JwtStrategy from "@effect-users/strategy-jwt/JwtStrategy"
import { assert, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted, Ref } from "effect"
import { createHmac } from "node:crypto"

const SHARED = "one-secret-shared-by-every-token-type-0123456789"
const secret = Redacted.make(SHARED)

const layer = UserManager.layer({ verificationTokenSecret: secret, resetPasswordTokenSecret: secret }).pipe(
  Layer.provideMerge(
    Layer.mergeAll(
      UserRepository.layerMemory,
      PasswordHasher.layerTest,
      PasswordPolicy.layer,
      UserHooks.layer,
      Mailer.layerMemory,
      DeliveryQueue.layer()
    )
  ),
  Layer.provideMerge(UserModel.layerDefaultModel)
)

it.effect("UserManager's verify and reset-password tokens, signed with the same secret, are not access tokens", () =>
  Effect.gen(function*() {
    const manager = yield* UserManager.UserManager
    const user = yield* manager.create({ email: "ada@example.com", password: "correct horse battery staple" })
    yield* manager.requestVerify(user)
    yield* manager.forgotPassword(user)
    yield* DeliveryQueue.flush
    const sent = yield* Ref.get(yield* Mailer.SentMessages)
    assert.deepStrictEqual(sent.map((m) => m.kind), ["verify", "reset-password"])

    const strategy = yield* JwtStrategy.make({ secret, lifetime: "1 hour" })
    assert.isTrue(Option.isSome(yield* strategy.readToken(yield* strategy.writeToken(user))), "control")
    for (const { kind, token } of sent) {
      const [header, payload, signature] = token.split(".")
      // validly signed with the shared secret, for the same user: only the audience tells them apart
      assert.strictEqual(createHmac("sha256", SHARED).update(`${header}.${payload}`).digest("base64url"), signature)
      const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString())
      assert.strictEqual(claims.sub, user.id)
      assert.strictEqual(claims.aud, kind === "verify" ? "fastapi-users:verify" : "fastapi-users:reset")
      assert.isTrue(Option.isNone(yield* strategy.readToken(token)), `${kind} token accepted as an access token`)
    }
  }).pipe(Effect.provide(layer)))
