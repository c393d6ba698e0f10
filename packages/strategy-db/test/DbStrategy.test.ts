import * as AccessTokenRepository from "@effect-users/core/AccessTokenRepository"
import type { User } from "@effect-users/core/User"
import * as UserModel from "@effect-users/core/User"
import * as UserRepository from "@effect-users/core/UserRepository"
import * as DbStrategy from "@effect-users/strategy-db/DbStrategy"
import * as FastApiUsersMigration from "@effect-users/strategy-db/FastApiUsersMigration"
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { createHash } from "node:crypto"

const Stores = Layer.mergeAll(AccessTokenRepository.layerMemory, UserRepository.layerMemory).pipe(
  Layer.provideMerge(UserModel.layerDefaultModel)
)

const createUser = (email: string) =>
  UserRepository.UserRepository.use((users) =>
    users.create({ email, hashed_password: "x", is_active: true, is_superuser: false, is_verified: false })
  )

const WIRE = /^[A-Za-z0-9_-]{43}$/u

describe("DbStrategy", () => {
  it.effect("writes a 43-character URL-safe token and reads the user back", () =>
    Effect.gen(function*() {
      const strategy = yield* DbStrategy.make()
      const user = yield* createUser("ada@example.com")
      const token = yield* strategy.writeToken(user)
      assert.match(token, WIRE)
      const read = yield* strategy.readToken(token)
      assert.deepStrictEqual(Option.map(read, (u) => u.id), Option.some(user.id))
      const other = yield* strategy.writeToken(user)
      assert.notStrictEqual(other, token)
    }).pipe(Effect.provide(Stores)))

  it.effect("stores only the SHA-256 digest of the token (base64url, 43 characters), never the token", () =>
    Effect.gen(function*() {
      const strategy = yield* DbStrategy.make()
      const repository = yield* AccessTokenRepository.AccessTokenRepository
      const user = yield* createUser("ada@example.com")
      const token = yield* strategy.writeToken(user)
      const expected = createHash("sha256").update(token).digest("base64url")
      assert.strictEqual(FastApiUsersMigration.digest(token), expected)
      assert.strictEqual(expected.length, 43)
      assert.notStrictEqual(expected, token)
      assert.isTrue(Option.isNone(yield* repository.getByToken(token, Option.none())))
      const record = yield* repository.getByToken(expected, Option.none())
      assert.isTrue(Option.isSome(record))
      if (Option.isSome(record)) {
        assert.strictEqual(record.value.token, expected)
        assert.strictEqual(record.value.user_id, user.id)
      }
    }).pipe(Effect.provide(Stores)))

  it.effect("takes created_at from Clock", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))
      const strategy = yield* DbStrategy.make()
      const repository = yield* AccessTokenRepository.AccessTokenRepository
      const token = yield* strategy.writeToken(yield* createUser("ada@example.com"))
      const record = yield* repository.getByToken(FastApiUsersMigration.digest(token), Option.none())
      assert.deepStrictEqual(
        Option.map(record, (r) => DateTime.formatIso(r.created_at)),
        Option.some("2026-01-02T03:04:05.678Z")
      )
    }).pipe(Effect.provide(Stores)))

  it.effect("a token expires after the lifetime (valid at exactly the lifetime, as the reference's >=)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_000_000)
      const strategy = yield* DbStrategy.make({ lifetime: "1 hour" })
      const user = yield* createUser("ada@example.com")
      const token = yield* strategy.writeToken(user)
      yield* TestClock.adjust("1 hour")
      assert.isTrue(Option.isSome(yield* strategy.readToken(token)))
      yield* TestClock.adjust("1 millis")
      assert.isTrue(Option.isNone(yield* strategy.readToken(token)))
      const fresh = yield* strategy.writeToken(user)
      assert.isTrue(Option.isSome(yield* strategy.readToken(fresh)))
    }).pipe(Effect.provide(Stores)))

  it.effect("without a lifetime, or with a zero or infinite one, tokens do not expire", () =>
    Effect.gen(function*() {
      const user = yield* createUser("ada@example.com")
      for (
        const options of [{}, { lifetime: 0 }, { lifetime: "0 seconds" as const }, { lifetime: Duration.infinity }]
      ) {
        const strategy = yield* DbStrategy.make(options)
        const token = yield* strategy.writeToken(user)
        yield* TestClock.adjust("3650 days")
        assert.isTrue(Option.isSome(yield* strategy.readToken(token)))
      }
    }).pipe(Effect.provide(Stores)))

  it.effect("the lifetime is checked when reading, so a strategy with a shorter lifetime rejects older tokens", () =>
    Effect.gen(function*() {
      const user = yield* createUser("ada@example.com")
      const long = yield* DbStrategy.make({ lifetime: "1 day" })
      const short = yield* DbStrategy.make({ lifetime: "1 hour" })
      const token = yield* long.writeToken(user)
      yield* TestClock.adjust("2 hours")
      assert.isTrue(Option.isSome(yield* long.readToken(token)))
      assert.isTrue(Option.isNone(yield* short.readToken(token)))
    }).pipe(Effect.provide(Stores)))

  it.effect("malformed, unknown and padded tokens are None", () =>
    Effect.gen(function*() {
      const strategy = yield* DbStrategy.make()
      const token = yield* strategy.writeToken(yield* createUser("ada@example.com"))
      const garbage = [
        "",
        "abc",
        `${token}=`,
        token.slice(1),
        `${token}A`,
        "A".repeat(43),
        `${token.slice(0, 42)}+`,
        "é".repeat(43),
        FastApiUsersMigration.digest(token), // the stored value does not authenticate
        "x".repeat(100_000)
      ]
      for (const candidate of garbage) {
        assert.isTrue(Option.isNone(yield* strategy.readToken(candidate)), candidate.slice(0, 50))
      }
    }).pipe(Effect.provide(Stores)))

  it.effect("a token whose user was deleted is None", () =>
    Effect.gen(function*() {
      const strategy = yield* DbStrategy.make()
      const user = yield* createUser("ada@example.com")
      const token = yield* strategy.writeToken(user)
      yield* UserRepository.UserRepository.use((users) => users.delete(user))
      assert.isTrue(Option.isNone(yield* strategy.readToken(token)))
    }).pipe(Effect.provide(Stores)))

  it.effect("destroyToken revokes that token only; destroying an unknown or malformed token succeeds", () =>
    Effect.gen(function*() {
      const strategy = yield* DbStrategy.make()
      const user = yield* createUser("ada@example.com")
      const first = yield* strategy.writeToken(user)
      const second = yield* strategy.writeToken(user)
      yield* strategy.destroyToken(first, user)
      assert.isTrue(Option.isNone(yield* strategy.readToken(first)))
      assert.isTrue(Option.isSome(yield* strategy.readToken(second)))
      yield* strategy.destroyToken(first, user)
      yield* strategy.destroyToken("not a token", user)
    }).pipe(Effect.provide(Stores)))

  it.effect("destroyAllForUser revokes every token of the user and none of another user", () =>
    Effect.gen(function*() {
      const strategy = yield* DbStrategy.make({ lifetime: "1 hour" })
      const ada = yield* createUser("ada@example.com")
      const bob = yield* createUser("bob@example.com")
      const adaTokens = yield* Effect.forEach([1, 2, 3], () => strategy.writeToken(ada))
      const bobToken = yield* strategy.writeToken(bob)
      yield* strategy.destroyAllForUser(ada)
      for (const token of adaTokens) assert.isTrue(Option.isNone(yield* strategy.readToken(token)))
      assert.isTrue(Option.isSome(yield* strategy.readToken(bobToken)))
      const after = yield* strategy.writeToken(ada)
      assert.isTrue(Option.isSome(yield* strategy.readToken(after)))
    }).pipe(Effect.provide(Stores)))
})

describe("DbStrategy failures", () => {
  const boom = (method: string) => new AccessTokenRepository.AccessTokenRepositoryError({ method, cause: "down" })
  const FailingTokens = Layer.succeed(
    AccessTokenRepository.AccessTokenRepository,
    AccessTokenRepository.AccessTokenRepository.of({
      getByToken: () => Effect.fail(boom("getByToken")),
      create: () => Effect.fail(boom("create")),
      delete: () => Effect.fail(boom("delete")),
      deleteAllForUser: () => Effect.fail(boom("deleteAllForUser"))
    })
  )
  const Failing = Layer.mergeAll(FailingTokens, UserRepository.layerMemory).pipe(
    Layer.provideMerge(UserModel.layerDefaultModel)
  )

  it.effect("an access-token store failure is a StrategyError naming the operation", () =>
    Effect.gen(function*() {
      const strategy = yield* DbStrategy.make({ lifetime: "1 hour" })
      const user = yield* createUser("ada@example.com")
      const token = "A".repeat(43)
      const errors = [
        yield* Effect.flip(strategy.readToken(token)),
        yield* Effect.flip(strategy.writeToken(user)),
        yield* Effect.flip(strategy.destroyToken(token, user)),
        yield* Effect.flip(strategy.destroyAllForUser(user))
      ]
      assert.deepStrictEqual(
        errors.map((e) => [e._tag, "method" in e ? e.method : ""]),
        [
          ["StrategyError", "readToken"],
          ["StrategyError", "writeToken"],
          ["StrategyError", "destroyToken"],
          ["StrategyError", "destroyAllForUser"]
        ]
      )
      const first = errors[0]
      assert.instanceOf(first?._tag === "StrategyError" ? first.cause : undefined, Error)
    }).pipe(Effect.provide(Failing)))

  it.effect("a user store failure during readToken is the UserRepositoryError", () =>
    Effect.gen(function*() {
      const strategy = yield* DbStrategy.make()
      const user: User = yield* createUser("ada@example.com")
      const token = yield* strategy.writeToken(user)
      const failingUsers = UserRepository.UserRepository.of({
        ...(yield* UserRepository.UserRepository),
        get: () => Effect.fail(new UserRepository.UserRepositoryError({ method: "get", cause: "down" }))
      })
      const broken = yield* DbStrategy.make().pipe(
        Effect.provideService(UserRepository.UserRepository, failingUsers)
      )
      const error = yield* Effect.flip(broken.readToken(token))
      assert.strictEqual(error._tag, "UserRepositoryError")
      // garbage never reaches a store
      assert.isTrue(Option.isNone(yield* broken.readToken("garbage")))
    }).pipe(Effect.provide(Stores)))
})
