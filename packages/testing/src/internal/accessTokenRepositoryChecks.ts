import type { AccessToken } from "@effect-users/core/AccessTokenRepository"
import { AccessTokenRepository } from "@effect-users/core/AccessTokenRepository"
import { UserModel } from "@effect-users/core/User"
import { UserRepository } from "@effect-users/core/UserRepository"
import { assert } from "@effect/vitest"
import { DateTime, Effect, Option } from "effect"
import { TestClock } from "effect/testing"
import type { Fields } from "./fixtures.ts"
import { assertNone, assertSome, insert, uniqueEmail, uniqueString } from "./fixtures.ts"
import type { Check } from "./harness.ts"

type R = AccessTokenRepository | UserRepository | UserModel

/** 2026-01-01T00:00:00.000Z: the checks that move time start from a fresh `TestClock` set here. */
export const BASE_TIME = 1_767_225_600_000

/** The checks of `AccessTokenRepositoryConformance.suite`. */
export const accessTokenRepositoryChecks = (fields: Fields): ReadonlyArray<Check<R>> => {
  const createUser = (label: string) =>
    Effect.gen(function*() {
      const users = yield* UserRepository
      return yield* users.create(insert(uniqueEmail(label), fields))
    })
  const createToken = (user: { readonly id: AccessToken["user_id"] }) =>
    Effect.gen(function*() {
      const tokens = yield* AccessTokenRepository
      const record: AccessToken = { token: uniqueString("token"), user_id: user.id, created_at: yield* DateTime.now }
      const created = yield* tokens.create(record)
      return { record, created }
    })
  const assertRecord = Effect.fnUntraced(function*(actual: AccessToken, expected: AccessToken, message: string) {
    const model = yield* UserModel
    assert.strictEqual(actual.token, expected.token, `${message}: token`)
    assert.strictEqual(model.id.format(actual.user_id), model.id.format(expected.user_id), `${message}: user_id`)
    assert.isTrue(DateTime.isDateTime(actual.created_at), `${message}: created_at is a DateTime`)
    assert.strictEqual(
      DateTime.toEpochMillis(actual.created_at),
      DateTime.toEpochMillis(expected.created_at),
      `${message}: created_at (to the millisecond)`
    )
  })

  return [
    {
      name: "create then getByToken finds the record by its exact token",
      run: Effect.gen(function*() {
        const tokens = yield* AccessTokenRepository
        yield* TestClock.setTime(BASE_TIME + 123)
        const user = yield* createUser("token")
        const { created, record } = yield* createToken(user)
        yield* assertRecord(created, record, "create returns the record")
        const found = assertSome(yield* tokens.getByToken(record.token, Option.none()), "getByToken")
        yield* assertRecord(found, record, "getByToken returns the record")
      }).pipe(Effect.provide(TestClock.layer()))
    },
    {
      name: "getByToken of an unknown token is None",
      run: Effect.gen(function*() {
        const tokens = yield* AccessTokenRepository
        const user = yield* createUser("unknown-token")
        const { record } = yield* createToken(user)
        assertNone(yield* tokens.getByToken(uniqueString("token"), Option.none()), "an unknown token")
        assertNone(yield* tokens.getByToken(record.token.toUpperCase(), Option.none()), "the token in another case")
        assertNone(yield* tokens.getByToken(record.token.slice(0, -1), Option.none()), "a prefix of the token")
        assertNone(yield* tokens.getByToken(`${record.token}x`, Option.none()), "the token with a suffix")
        assertNone(yield* tokens.getByToken("", Option.none()), "the empty token")
      })
    },
    {
      name: "getByToken with notBefore returns a record created at the limit, not one older",
      run: Effect.gen(function*() {
        const tokens = yield* AccessTokenRepository
        yield* TestClock.setTime(BASE_TIME + 456)
        const user = yield* createUser("not-before")
        const { record: older } = yield* createToken(user)
        yield* TestClock.adjust("1 hour")
        const { record: newer } = yield* createToken(user)
        const limit = DateTime.subtract(yield* DateTime.now, { hours: 1 })
        const atLimit = assertSome(yield* tokens.getByToken(older.token, Option.some(limit)), "a record at the limit")
        yield* assertRecord(atLimit, older, "the record at the limit")
        assertSome(yield* tokens.getByToken(newer.token, Option.some(limit)), "a record after the limit")
        yield* TestClock.adjust("1 millis")
        const later = DateTime.subtract(yield* DateTime.now, { hours: 1 })
        assertNone(yield* tokens.getByToken(older.token, Option.some(later)), "a record 1 ms older than the limit")
        assertSome(yield* tokens.getByToken(newer.token, Option.some(later)), "a record after the limit")
        assertSome(yield* tokens.getByToken(older.token, Option.none()), "without notBefore the old record is found")
      }).pipe(Effect.provide(TestClock.layer()))
    },
    {
      name: "delete removes the token; deleting an unknown token succeeds",
      run: Effect.gen(function*() {
        const tokens = yield* AccessTokenRepository
        const user = yield* createUser("delete-token")
        const { record } = yield* createToken(user)
        const { record: kept } = yield* createToken(user)
        yield* tokens.delete(record.token)
        assertNone(yield* tokens.getByToken(record.token, Option.none()), "a deleted token")
        assertSome(yield* tokens.getByToken(kept.token, Option.none()), "another token of the user is kept")
        yield* tokens.delete(record.token)
        yield* tokens.delete(uniqueString("never-stored"))
      })
    },
    {
      name: "deleteAllForUser returns the count and leaves other users' tokens",
      run: Effect.gen(function*() {
        const tokens = yield* AccessTokenRepository
        const user = yield* createUser("delete-all")
        const other = yield* createUser("delete-all-other")
        const own = [yield* createToken(user), yield* createToken(user), yield* createToken(user)]
        const { record: others } = yield* createToken(other)
        assert.strictEqual(yield* tokens.deleteAllForUser(user.id), 3, "deleteAllForUser returns how many it removed")
        for (const { record } of own) {
          assertNone(yield* tokens.getByToken(record.token, Option.none()), "the user's tokens are gone")
        }
        assertSome(yield* tokens.getByToken(others.token, Option.none()), "another user's token is kept")
        assert.strictEqual(yield* tokens.deleteAllForUser(user.id), 0, "nothing left to remove")
      })
    },
    {
      name: "deleting the user deletes its tokens",
      run: Effect.gen(function*() {
        const users = yield* UserRepository
        const tokens = yield* AccessTokenRepository
        const user = yield* createUser("cascade")
        const other = yield* createUser("cascade-other")
        const { record } = yield* createToken(user)
        const { record: kept } = yield* createToken(other)
        yield* users.delete(user)
        assertNone(yield* tokens.getByToken(record.token, Option.none()), "the deleted user's token")
        assertSome(yield* tokens.getByToken(kept.token, Option.none()), "another user's token is kept")
      })
    }
  ]
}
