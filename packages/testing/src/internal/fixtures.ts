import type { UserInsert } from "@effect-users/core/User"
import { UserModel } from "@effect-users/core/User"
import type { User } from "@effect-users/core/User"
import { assert } from "@effect/vitest"
import { Cause, Effect, Exit, Option } from "effect"
import { randomUUID } from "node:crypto"

/** Values for custom fields, by field name. */
export type Fields = { readonly [field: string]: unknown }

/**
 * A fresh address: the suites share one store per run (and a database across runs), so every user gets its own.
 */
export const uniqueEmail = (label: string): string =>
  `${label}-${randomUUID().replaceAll("-", "").slice(0, 16)}@example.com`

/** A fresh random string (tokens, OAuth account ids). */
export const uniqueString = (label: string): string => `${label}-${randomUUID()}`

/** The fields of a new user: an active, unverified non-superuser plus the given custom field values. */
export const insert = (email: string, fields: Fields = {}): UserInsert => ({
  ...fields,
  email,
  hashed_password: `$argon2id$v=19$m=19456,t=2,p=1$${randomUUID()}`,
  is_active: true,
  is_superuser: false,
  is_verified: false
})

/** An id of the model's kind that no user has (a fresh one, or the largest 32-bit integer for serial ids). */
export const unknownId = Effect.gen(function*() {
  const model = yield* UserModel
  return yield* Option.match(model.id.generate, {
    onSome: (generate) => generate,
    onNone: () =>
      Option.match(model.id.parse(String(2 ** 31 - 1)), {
        onNone: () => Effect.die(new Error("the model's id kind neither generates ids nor parses integers")),
        onSome: Effect.succeed
      })
  })
})

/** Asserts that two users have the same id (compared through the model's id kind). */
export const assertSameUser = Effect.fnUntraced(function*(actual: User, expected: User, message?: string) {
  const model = yield* UserModel
  assert.strictEqual(model.id.format(actual.id), model.id.format(expected.id), message ?? "the same user (id)")
})

/** Asserts that an option holds a user and returns it. */
export const assertSome = <A>(option: Option.Option<A>, message: string): A => {
  if (Option.isNone(option)) assert.fail(`expected Some: ${message}`)
  return option.value
}

/** Asserts that an option is empty. */
export const assertNone = <A>(option: Option.Option<A>, message: string): void => {
  assert.isTrue(Option.isNone(option), `expected None: ${message}, got ${JSON.stringify(option)}`)
}

/** Asserts that an effect fails with the tagged error `tag` (not a defect, not another error). */
export const assertFailsWith = <A, E, R>(effect: Effect.Effect<A, E, R>, tag: string, message: string) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(effect)
    if (Exit.isSuccess(exit)) return assert.fail(`${message}: expected a ${tag} failure, but it succeeded`)
    const error = Cause.findErrorOption(exit.cause)
    if (Option.isNone(error)) {
      return assert.fail(`${message}: expected a ${tag} failure, got ${Cause.pretty(exit.cause)}`)
    }
    assert.strictEqual(tagOf(error.value), tag, message)
  })

/** The `_tag` of an error, or its string form. */
export const tagOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : String(error)
