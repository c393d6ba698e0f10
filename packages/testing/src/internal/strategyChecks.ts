import type { Strategy } from "@effect-users/core/Strategy"
import type { User, UserModel } from "@effect-users/core/User"
import { UserRepository } from "@effect-users/core/UserRepository"
import { assert } from "@effect/vitest"
import type { Context } from "effect"
import { Duration, Effect } from "effect"
import { TestClock } from "effect/testing"
import type { Fields } from "./fixtures.ts"
import { assertFailsWith, assertNone, assertSameUser, assertSome, insert, uniqueEmail } from "./fixtures.ts"
import type { Check } from "./harness.ts"

/** What the checks need to know about the strategy under test. */
export interface StrategyChecksOptions {
  readonly lifetime: Duration.Input
  readonly expiry: "TestClock" | "real"
  readonly revocable: boolean
  readonly customFields?: Fields
}

/** 2026-01-01T00:00:00Z, a whole second: JWT `exp` has a resolution of one second. */
const BASE_TIME = 1_767_225_600_000

const flip = (char: string | undefined): string => (char === "A" ? "B" : "A")

/** Variants of a valid token that a strategy must refuse: changed first character, changed middle character, cut,
 * extended. The middle change avoids the last character of a dot-separated segment, whose low bits can be padding
 * in base64url. */
export const tamperings = (token: string): ReadonlyArray<readonly [string, string]> => {
  let middle = Math.floor(token.length / 2)
  while (middle > 0 && (token[middle] === "." || token[middle + 1] === "." || middle + 1 >= token.length)) middle--
  return [
    ["the first character changed", flip(token[0]) + token.slice(1)],
    ["a middle character changed", token.slice(0, middle) + flip(token[middle]) + token.slice(middle + 1)],
    ["the last character cut", token.slice(0, -1)],
    ["a character appended", `${token}A`]
  ]
}

/** The checks of `StrategyConformance.suite`. */
export const strategyChecks = <I>(
  key: Context.Key<I, Strategy>,
  options: StrategyChecksOptions
): ReadonlyArray<Check<I | UserRepository | UserModel>> => {
  const fields = options.customFields ?? {}
  const lifetime = Duration.toMillis(Duration.fromInputUnsafe(options.lifetime))
  const createUser = (label: string) =>
    Effect.gen(function*() {
      const users = yield* UserRepository
      return yield* users.create(insert(uniqueEmail(label), fields))
    })
  const readsAs = Effect.fnUntraced(function*(token: string, user: User, message: string) {
    const strategy = yield* key
    const found = assertSome(yield* strategy.readToken(token), message)
    yield* assertSameUser(found, user, message)
    return found
  })
  const unreadable = Effect.fnUntraced(function*(token: string, message: string) {
    const strategy = yield* key
    assertNone(yield* strategy.readToken(token), message)
  })

  const within = lifetime >= 2_000 ? lifetime - 1_000 : lifetime / 2
  const past = lifetime + 1_000
  const expiry: Check<I | UserRepository | UserModel> = options.expiry === "TestClock"
    ? {
      name: "a token reads within its lifetime and not past it",
      run: Effect.gen(function*() {
        const strategy = yield* key
        yield* TestClock.setTime(BASE_TIME)
        const user = yield* createUser("expiry")
        const token = yield* strategy.writeToken(user)
        yield* readsAs(token, user, "a fresh token")
        yield* TestClock.adjust(Duration.millis(within))
        yield* readsAs(token, user, `a token ${within} ms into its lifetime of ${lifetime} ms`)
        yield* TestClock.adjust(Duration.millis(past - within))
        yield* unreadable(token, `a token ${past} ms old, past its lifetime of ${lifetime} ms`)
      }).pipe(Effect.provide(TestClock.layer()))
    }
    : {
      name: "a token reads within its lifetime and not past it",
      timeout: past + 15_000,
      run: Effect.gen(function*() {
        const strategy = yield* key
        const user = yield* createUser("expiry")
        const token = yield* strategy.writeToken(user)
        yield* readsAs(token, user, "a fresh token")
        yield* Effect.sleep(Duration.millis(within))
        yield* readsAs(token, user, `a token about ${within} ms into its lifetime of ${lifetime} ms`)
        yield* Effect.sleep(Duration.millis(past - within))
        yield* unreadable(token, `a token ${past} ms old, past its lifetime of ${lifetime} ms`)
      })
    }

  return [
    {
      name: "writeToken then readToken gives back the user",
      run: Effect.gen(function*() {
        const strategy = yield* key
        const user = yield* createUser("write")
        const other = yield* createUser("write-other")
        const token = yield* strategy.writeToken(user)
        assert.isString(token)
        assert.isAbove(token.length, 0, "the token is not empty")
        const otherToken = yield* strategy.writeToken(other)
        const found = yield* readsAs(token, user, "readToken of a fresh token")
        assert.strictEqual(found.email, user.email)
        const foundOther = yield* readsAs(otherToken, other, "readToken of another user's token")
        assert.strictEqual(foundOther.email, other.email)
      })
    },
    {
      name: "readToken resolves the current stored user, even an inactive one",
      run: Effect.gen(function*() {
        const strategy = yield* key
        const users = yield* UserRepository
        const user = yield* createUser("current")
        const token = yield* strategy.writeToken(user)
        const email = uniqueEmail("changed")
        yield* users.update(user, { email, is_verified: true, is_active: false })
        const found = yield* readsAs(token, user, "readToken after the user changed")
        assert.strictEqual(found.email, email, "the token resolves to the updated user")
        assert.strictEqual(found.is_verified, true, "the token resolves to the updated user")
        assert.strictEqual(found.is_active, false, "an inactive user is still resolved (the authenticator decides)")
      })
    },
    {
      name: "a garbage, empty or tampered token is None",
      run: Effect.gen(function*() {
        const user = yield* createUser("tamper")
        const strategy = yield* key
        const token = yield* strategy.writeToken(user)
        yield* unreadable("", "the empty token")
        yield* unreadable("garbage", "a garbage token")
        yield* unreadable("a.b.c", "a garbage token with dots")
        yield* unreadable("\u0000\n\u{1F600}", "a token of control characters and emoji")
        yield* unreadable("x".repeat(10_000), "a 10 000-character token")
        for (const [what, tampered] of tamperings(token)) {
          yield* unreadable(tampered, `the token with ${what}`)
        }
        yield* readsAs(token, user, "the untampered token still reads")
      })
    },
    {
      name: "a token of a deleted user is None",
      run: Effect.gen(function*() {
        const strategy = yield* key
        const users = yield* UserRepository
        const user = yield* createUser("deleted")
        const token = yield* strategy.writeToken(user)
        yield* readsAs(token, user, "before the user is deleted")
        yield* users.delete(user)
        yield* unreadable(token, "a token of a deleted user")
      })
    },
    options.revocable
      ? {
        name: "destroyToken makes the token unreadable",
        run: Effect.gen(function*() {
          const strategy = yield* key
          const user = yield* createUser("destroy")
          const token = yield* strategy.writeToken(user)
          const kept = yield* strategy.writeToken(user)
          assert.notStrictEqual(token, kept, "two tokens written for one user differ")
          yield* strategy.destroyToken(token, user)
          yield* unreadable(token, "a destroyed token")
          yield* readsAs(kept, user, "another token of the user still reads")
          yield* strategy.destroyToken(token, user)
        })
      }
      : {
        name: "destroyToken fails with DestroyNotSupported",
        run: Effect.gen(function*() {
          const strategy = yield* key
          const user = yield* createUser("destroy")
          const token = yield* strategy.writeToken(user)
          yield* assertFailsWith(strategy.destroyToken(token, user), "DestroyNotSupported", "destroyToken")
          yield* readsAs(token, user, "the token still reads")
        })
      },
    options.revocable
      ? {
        name: "destroyAllForUser revokes every token of the user and no other user's",
        run: Effect.gen(function*() {
          const strategy = yield* key
          const user = yield* createUser("destroy-all")
          const other = yield* createUser("destroy-all-other")
          const tokens = [yield* strategy.writeToken(user), yield* strategy.writeToken(user)]
          const otherToken = yield* strategy.writeToken(other)
          yield* strategy.destroyAllForUser(user)
          for (const token of tokens) yield* unreadable(token, "a token of the user after destroyAllForUser")
          yield* readsAs(otherToken, other, "another user's token still reads")
          const fresh = yield* strategy.writeToken(user)
          yield* readsAs(fresh, user, "a token written afterwards reads")
        })
      }
      : {
        name: "destroyAllForUser fails with DestroyNotSupported",
        run: Effect.gen(function*() {
          const strategy = yield* key
          const user = yield* createUser("destroy-all")
          const token = yield* strategy.writeToken(user)
          yield* assertFailsWith(strategy.destroyAllForUser(user), "DestroyNotSupported", "destroyAllForUser")
          yield* readsAs(token, user, "the token still reads")
        })
      },
    expiry
  ]
}
