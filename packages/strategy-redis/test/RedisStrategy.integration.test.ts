import * as UserRepository from "@effect-users/core/UserRepository"
import * as RedisStrategy from "@effect-users/strategy-redis/RedisStrategy"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import { createHash } from "node:crypto"
import { cleanUp, createUser, Stores, uniquePrefix } from "./utils.ts"

const digest = (token: string) => createHash("sha256").update(token).digest("base64url")
const WIRE = /^[A-Za-z0-9_-]{43}$/u

/** A strategy on its own key prefix, with its keys deleted afterwards. */
const setup = (options: Omit<RedisStrategy.Options, "keyPrefix"> = {}) =>
  Effect.gen(function*() {
    const client = yield* RedisStrategy.RedisClient
    const keyPrefix = uniquePrefix()
    yield* cleanUp(client, keyPrefix)
    const strategy = yield* RedisStrategy.make({ ...options, keyPrefix })
    return { client, keyPrefix, strategy, layout: RedisStrategy.keys(keyPrefix) }
  })

describe("RedisStrategy", () => {
  it.live("writes a 43-character token, stores only its digest, and reads the user back", () =>
    Effect.gen(function*() {
      const { client, keyPrefix, layout, strategy } = yield* setup({ lifetime: "1 hour" })
      const user = yield* createUser("ada@example.com")
      const token = yield* strategy.writeToken(user)
      assert.match(token, WIRE)
      const read = yield* strategy.readToken(token)
      assert.deepStrictEqual(Option.map(read, (u) => u.id), Option.some(user.id))

      const stored = yield* Effect.promise(() => client.keys(`${keyPrefix}*`))
      assert.deepStrictEqual(stored.sort(), [layout.token(digest(token)), layout.index(user.id)].sort())
      assert.strictEqual(digest(token).length, 43)
      for (const key of stored) assert.notInclude(key, token)
      assert.strictEqual(yield* Effect.promise(() => client.get(layout.token(digest(token)))), user.id)
      assert.isNull(yield* Effect.promise(() => client.get(`${keyPrefix}${token}`)))
      const index = yield* Effect.promise(() => client.zrange(layout.index(user.id), 0, "-1"))
      assert.deepStrictEqual(index, [digest(token)])
      // the stored digest does not authenticate
      assert.isTrue(Option.isNone(yield* strategy.readToken(digest(token))))
    }).pipe(Effect.scoped, Effect.provide(Stores())))

  it.live("uses FastAPI Users' key prefix by default", () =>
    Effect.gen(function*() {
      const client = yield* RedisStrategy.RedisClient
      const strategy = yield* RedisStrategy.make({ lifetime: "1 minute" })
      const user = yield* createUser("ada@example.com")
      const token = yield* strategy.writeToken(user)
      yield* Effect.addFinalizer(() => strategy.destroyAllForUser(user).pipe(Effect.ignore))
      assert.strictEqual(
        yield* Effect.promise(() => client.get(`fastapi_users_token:${digest(token)}`)),
        user.id
      )
      assert.strictEqual(RedisStrategy.defaultKeyPrefix, "fastapi_users_token:")
    }).pipe(Effect.scoped, Effect.provide(Stores())))

  it.live("the lifetime is the key's TTL, and the index expires with its latest session", () =>
    Effect.gen(function*() {
      const { client, layout, strategy } = yield* setup({ lifetime: "1 hour" })
      const user = yield* createUser("ada@example.com")
      const token = yield* strategy.writeToken(user)
      const ttl = yield* Effect.promise(() => client.pttl(layout.token(digest(token))))
      assert.isTrue(ttl > 3_590_000 && ttl <= 3_600_000, String(ttl))
      const indexTtl = yield* Effect.promise(() => client.pttl(layout.index(user.id)))
      assert.isTrue(indexTtl > 3_590_000 && indexTtl <= 3_600_000, String(indexTtl))

      const { layout: forever, strategy: unlimited } = yield* setup()
      const other = yield* unlimited.writeToken(user)
      assert.strictEqual(yield* Effect.promise(() => client.pttl(forever.token(digest(other)))), -1)
      assert.strictEqual(yield* Effect.promise(() => client.pttl(forever.index(user.id))), -1)
      for (const lifetime of [0, Duration.infinity]) {
        const none = yield* setup({ lifetime })
        const third = yield* none.strategy.writeToken(user)
        assert.strictEqual(yield* Effect.promise(() => client.pttl(none.layout.token(digest(third)))), -1)
      }
    }).pipe(Effect.scoped, Effect.provide(Stores())))

  it.live("a token expires in Redis after the lifetime", () =>
    Effect.gen(function*() {
      const { client, layout, strategy } = yield* setup({ lifetime: "1 second" })
      const user = yield* createUser("ada@example.com")
      const token = yield* strategy.writeToken(user)
      assert.isTrue(Option.isSome(yield* strategy.readToken(token)))
      yield* Effect.sleep("1100 millis")
      assert.isTrue(Option.isNone(yield* strategy.readToken(token)))
      assert.strictEqual(yield* Effect.promise(() => client.exists(layout.index(user.id))), 0)
    }).pipe(Effect.scoped, Effect.provide(Stores())))

  it.live("writing prunes expired sessions from the index", () =>
    Effect.gen(function*() {
      const { client, layout } = yield* setup()
      const user = yield* createUser("ada@example.com")
      const short = yield* RedisStrategy.make({ lifetime: "200 millis", keyPrefix: layout.token("") })
      const long = yield* RedisStrategy.make({ lifetime: "1 hour", keyPrefix: layout.token("") })
      const gone = yield* short.writeToken(user)
      yield* Effect.sleep("300 millis")
      const kept = yield* long.writeToken(user)
      const index = yield* Effect.promise(() => client.zrange(layout.index(user.id), 0, "-1"))
      assert.deepStrictEqual(index, [digest(kept)])
      assert.notInclude(index, digest(gone))
    }).pipe(Effect.scoped, Effect.provide(Stores())))

  it.live("malformed and unknown tokens, and stored ids that do not parse, are None", () =>
    Effect.gen(function*() {
      const { client, layout, strategy } = yield* setup()
      const user = yield* createUser("ada@example.com")
      const token = yield* strategy.writeToken(user)
      for (const candidate of ["", "abc", `${token}=`, token.slice(1), "A".repeat(43), "é".repeat(43), "*"]) {
        assert.isTrue(Option.isNone(yield* strategy.readToken(candidate)), candidate)
      }
      const forged = "B".repeat(43)
      yield* Effect.promise(() => client.set(layout.token(digest(forged)), "not-a-uuid"))
      assert.isTrue(Option.isNone(yield* strategy.readToken(forged)))
    }).pipe(Effect.scoped, Effect.provide(Stores())))

  it.live("a token whose user was deleted is None", () =>
    Effect.gen(function*() {
      const { strategy } = yield* setup()
      const user = yield* createUser("ada@example.com")
      const token = yield* strategy.writeToken(user)
      yield* UserRepository.UserRepository.use((users) => users.delete(user))
      assert.isTrue(Option.isNone(yield* strategy.readToken(token)))
    }).pipe(Effect.scoped, Effect.provide(Stores())))

  it.live("destroyToken removes the session and its index entry only", () =>
    Effect.gen(function*() {
      const { client, layout, strategy } = yield* setup({ lifetime: "1 hour" })
      const user = yield* createUser("ada@example.com")
      const first = yield* strategy.writeToken(user)
      const second = yield* strategy.writeToken(user)
      yield* strategy.destroyToken(first, user)
      assert.isTrue(Option.isNone(yield* strategy.readToken(first)))
      assert.isTrue(Option.isSome(yield* strategy.readToken(second)))
      assert.deepStrictEqual(yield* Effect.promise(() => client.zrange(layout.index(user.id), 0, "-1")), [
        digest(second)
      ])
      yield* strategy.destroyToken(first, user)
      yield* strategy.destroyToken("garbage", user)
    }).pipe(Effect.scoped, Effect.provide(Stores())))

  it.live("destroyAllForUser revokes every session of the user and none of another", () =>
    Effect.gen(function*() {
      const { client, layout, strategy } = yield* setup({ lifetime: "1 hour" })
      const unlimited = yield* RedisStrategy.make({ keyPrefix: layout.token("") })
      const ada = yield* createUser("ada@example.com")
      const bob = yield* createUser("bob@example.com")
      const adaTokens = [
        ...(yield* Effect.forEach([1, 2, 3], () => strategy.writeToken(ada))),
        yield* unlimited.writeToken(ada)
      ]
      const bobToken = yield* strategy.writeToken(bob)
      yield* strategy.destroyAllForUser(ada)
      for (const token of adaTokens) assert.isTrue(Option.isNone(yield* strategy.readToken(token)))
      assert.isTrue(Option.isSome(yield* strategy.readToken(bobToken)))
      assert.strictEqual(yield* Effect.promise(() => client.exists(layout.index(ada.id))), 0)
      const after = yield* strategy.writeToken(ada)
      assert.isTrue(Option.isSome(yield* strategy.readToken(after)))
      yield* strategy.destroyAllForUser(bob)
      assert.isTrue(Option.isNone(yield* strategy.readToken(bobToken)))
    }).pipe(Effect.scoped, Effect.provide(Stores())))

  it.live("works with a client that has its own keyPrefix", () =>
    Effect.gen(function*() {
      const client = yield* RedisStrategy.RedisClient
      const clientPrefix = String(client.options.keyPrefix)
      const keyPrefix = "sessions:"
      yield* Effect.addFinalizer(() =>
        Effect.promise(async () => {
          const raw = new Set(await client.keys(`${clientPrefix}*`))
          // `keys` is not prefixed by ioredis, `del` is
          if (raw.size > 0) await client.del(...[...raw].map((k) => k.slice(clientPrefix.length)))
        }).pipe(Effect.ignore)
      )
      const strategy = yield* RedisStrategy.make({ lifetime: "1 hour", keyPrefix })
      const user = yield* createUser("ada@example.com")
      const tokens = yield* Effect.forEach([1, 2], () => strategy.writeToken(user))
      const stored = yield* Effect.promise(() => client.keys(`${clientPrefix}*`))
      assert.include(stored, `${clientPrefix}${keyPrefix}${digest(tokens[0] ?? "")}`)
      yield* strategy.destroyAllForUser(user)
      for (const token of tokens) assert.isTrue(Option.isNone(yield* strategy.readToken(token)))
      assert.deepStrictEqual(yield* Effect.promise(() => client.keys(`${clientPrefix}*`)), [])
    }).pipe(Effect.scoped, Effect.provide(Stores({ keyPrefix: `${uniquePrefix()}app:` }))))

  it.live("reloads its scripts after SCRIPT FLUSH", () =>
    Effect.gen(function*() {
      const { client, strategy } = yield* setup()
      const user = yield* createUser("ada@example.com")
      yield* strategy.writeToken(user)
      yield* Effect.promise(() => client.script("FLUSH"))
      const token = yield* strategy.writeToken(user)
      assert.isTrue(Option.isSome(yield* strategy.readToken(token)))
      yield* strategy.destroyAllForUser(user)
      assert.isTrue(Option.isNone(yield* strategy.readToken(token)))
    }).pipe(Effect.scoped, Effect.provide(Stores())))

  it.live("a Redis error is a StrategyError naming the operation", () =>
    Effect.gen(function*() {
      const { client, layout, strategy } = yield* setup()
      const user = yield* createUser("ada@example.com")
      // the user's index is not a sorted set: the write script fails with WRONGTYPE
      yield* Effect.promise(() => client.set(layout.index(user.id), "x"))
      const error = yield* Effect.flip(strategy.writeToken(user))
      assert.strictEqual(error._tag, "StrategyError")
      assert.strictEqual(error.method, "writeToken")
      assert.include(String(error.cause), "WRONGTYPE")
    }).pipe(Effect.scoped, Effect.provide(Stores())))
})
