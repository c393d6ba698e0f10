/**
 * Races through `UserManager` that any storage adapter must win: concurrent registrations of one address in case
 * variants leave one user, concurrent resets with one token apply one password. The reliability suite
 * (`npm run test:reliability`) runs them in rounds on every adapter.
 *
 * @since 0.0.0
 */
import * as DeliveryQueue from "@effect-users/core/DeliveryQueue"
import * as Mailer from "@effect-users/core/Mailer"
import * as UserManager from "@effect-users/core/UserManager"
import { assert } from "@effect/vitest"
import { Effect, Option, Ref, Result } from "effect"
import { randomUUID } from "node:crypto"

/**
 * The case variants of an address: each letter of the local part upper- or lower-cased by the bits of the variant's
 * number, the domain alternately as given and lower-cased.
 *
 * @since 0.0.0
 * @category constructors
 */
export const caseVariants = (email: string, count: number): ReadonlyArray<string> => {
  const at = email.lastIndexOf("@")
  const local = email.slice(0, at)
  const domain = email.slice(at + 1)
  return Array.from({ length: count }, (_, i) => {
    const cased = [...local].map((c, j) => ((i >> (j % 10)) & 1) === 1 ? c.toUpperCase() : c.toLowerCase()).join("")
    return `${cased}@${i % 2 === 0 ? domain.toLowerCase() : domain}`
  })
}

/**
 * `count` concurrent `create`s of one fresh address (non-ASCII letters included) in case variants: exactly one
 * succeeds, every other fails with `UserAlreadyExists`, and no other error occurs; the winner is found by any
 * variant.
 *
 * @since 0.0.0
 * @category constructors
 */
export const registrations = (count: number): Effect.Effect<void, unknown, UserManager.UserManager> =>
  Effect.gen(function*() {
    const manager = yield* UserManager.UserManager
    const email = `élise.racer-${randomUUID().slice(0, 8)}@example.com`
    const results = yield* Effect.forEach(
      caseVariants(email, count),
      (address) => Effect.result(manager.create({ email: address, password: "correct horse" }, { safe: true })),
      { concurrency: "unbounded" }
    )
    const winners = results.filter(Result.isSuccess).map((result) => result.success)
    const failures = results.filter(Result.isFailure).map((result) => result.failure._tag)
    assert.strictEqual(winners.length, 1, "exactly one registration succeeds")
    assert.deepStrictEqual(failures, Array.from({ length: count - 1 }, () => "UserAlreadyExists"))
    const winner = winners[0]
    if (winner === undefined) return
    for (const variant of [email.toUpperCase(), email.normalize("NFD")]) {
      const found = yield* manager.getByEmail(variant)
      assert.strictEqual(found.id, winner.id, `the one user is found as ${variant}`)
    }
  })

/**
 * `count` users changing their e-mail at the same time into case variants of one fresh address: exactly one change
 * is applied, the others fail with `UserAlreadyExists`, and the address names one user.
 *
 * @since 0.0.0
 * @category constructors
 */
export const emailChanges = (count: number): Effect.Effect<void, unknown, UserManager.UserManager> =>
  Effect.gen(function*() {
    const manager = yield* UserManager.UserManager
    const tag = randomUUID().slice(0, 8)
    const users = yield* Effect.forEach(
      Array.from({ length: count }, (_, i) => i),
      (i) => manager.create({ email: `mover-${tag}-${i}@example.com`, password: "correct horse" }),
      { concurrency: 8 }
    )
    const target = `Ölaf.target-${tag}@example.com`
    const variants = caseVariants(target, count)
    const results = yield* Effect.forEach(
      users,
      (user, i) => Effect.result(manager.update({ email: variants[i] ?? target }, user, { safe: true })),
      { concurrency: "unbounded" }
    )
    const winners = results.filter(Result.isSuccess).map((result) => result.success)
    const failures = results.filter(Result.isFailure).map((result) => result.failure._tag)
    assert.strictEqual(winners.length, 1, "exactly one e-mail change is applied")
    assert.deepStrictEqual(failures, Array.from({ length: count - 1 }, () => "UserAlreadyExists"))
    const owner = yield* manager.getByEmail(target.toLowerCase())
    assert.strictEqual(owner.id, winners[0]?.id, "the address names the winner")
  })

/**
 * `count` concurrent `resetPassword`s with one token (each a different new password): exactly one succeeds, the
 * others fail with `InvalidResetPasswordToken`, and only the winner's password logs in afterwards. The manager must
 * deliver through a `DeliveryQueue` and `Mailer.layerMemory`, which the check reads the token from.
 *
 * @since 0.0.0
 * @category constructors
 */
export const resets = (
  count: number
): Effect.Effect<void, unknown, UserManager.UserManager | Mailer.SentMessages | DeliveryQueue.DeliveryQueue> =>
  Effect.gen(function*() {
    const manager = yield* UserManager.UserManager
    const email = `reset-racer-${randomUUID().slice(0, 8)}@example.com`
    const user = yield* manager.create({ email, password: "the old password" })
    yield* manager.forgotPassword(user)
    yield* DeliveryQueue.flush
    const sent = yield* Ref.get(yield* Mailer.SentMessages)
    const token = sent.findLast((message) => message.kind === "reset-password" && message.to === email)?.token
    assert.isDefined(token, "the reset token was delivered")
    if (token === undefined) return
    const results = yield* Effect.forEach(
      Array.from({ length: count }, (_, i) => i),
      (i) => Effect.result(manager.resetPassword(token, `new password ${i}`)),
      { concurrency: "unbounded" }
    )
    const winners = results.flatMap((result, i) => (Result.isSuccess(result) ? [i] : []))
    const failures = results.filter(Result.isFailure).map((result) => result.failure._tag)
    assert.strictEqual(winners.length, 1, "exactly one reset succeeds")
    assert.deepStrictEqual(failures, Array.from({ length: count - 1 }, () => "InvalidResetPasswordToken"))
    const winner = winners[0] ?? -1
    const login = (password: string) => manager.authenticate({ username: email, password })
    assert.isTrue(Option.isSome(yield* login(`new password ${winner}`)), "the winner's password logs in")
    assert.isTrue(Option.isNone(yield* login(`new password ${(winner + 1) % count}`)), "a loser's does not")
    assert.isTrue(Option.isNone(yield* login("the old password")), "the old one does not")
  })
