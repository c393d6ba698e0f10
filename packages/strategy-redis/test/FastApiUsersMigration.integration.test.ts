import * as FastApiUsersMigration from "@effect-users/strategy-redis/FastApiUsersMigration"
import * as RedisStrategy from "@effect-users/strategy-redis/RedisStrategy"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import type { Redis } from "ioredis"
import { createHash, randomBytes } from "node:crypto"
import { cleanUp, createUser, Stores, uniquePrefix } from "./utils.ts"

const digest = (token: string) => createHash("sha256").update(token).digest("base64url")
const fastApiUsersToken = () => randomBytes(32).toString("base64url") // secrets.token_urlsafe(32)

/** What FastAPI Users' RedisStrategy.write_token does in 15.0.5: `SET <prefix><token> <id> [EX s]`. */
const fastApiUsersWrite = (client: Redis, keyPrefix: string, userId: string, lifetimeSeconds: number | null) =>
  Effect.promise(async () => {
    const token = fastApiUsersToken()
    if (lifetimeSeconds === null) await client.set(`${keyPrefix}${token}`, userId)
    else await client.set(`${keyPrefix}${token}`, userId, "EX", lifetimeSeconds)
    return token
  })

describe("FastApiUsersMigration (Redis)", () => {
  it.live("renames FastAPI Users' sessions to digest keys, keeps their TTL, indexes them, and is safe to re-run", () =>
    Effect.gen(function*() {
      const client = yield* RedisStrategy.RedisClient
      const keyPrefix = uniquePrefix()
      yield* cleanUp(client, keyPrefix)
      const layout = RedisStrategy.keys(keyPrefix)
      const strategy = yield* RedisStrategy.make({ lifetime: "1 hour", keyPrefix })
      const ada = yield* createUser("ada@example.com")
      const bob = yield* createUser("bob@example.com")

      const legacy = [
        ...(yield* Effect.forEach([1, 2, 3], () => fastApiUsersWrite(client, keyPrefix, ada.id, 3600))),
        yield* fastApiUsersWrite(client, keyPrefix, ada.id, null)
      ]
      const bobLegacy = yield* fastApiUsersWrite(client, keyPrefix, bob.id.toUpperCase(), 600)
      const garbage = yield* fastApiUsersWrite(client, keyPrefix, "not-an-id", 600)
      const ours = yield* strategy.writeToken(ada) // already in effect-users' layout: must not move
      // FastAPI Users' tokens are not readable before the migration
      assert.isTrue(Option.isNone(yield* strategy.readToken(legacy[0] ?? "")))

      const report = yield* FastApiUsersMigration.migrate({ keyPrefix, batchSize: 2 })
      assert.deepStrictEqual(report, { migrated: 5, unparsable: 1 })

      for (const token of [...legacy, ours]) {
        const read = yield* strategy.readToken(token)
        assert.deepStrictEqual(Option.map(read, (u) => u.id), Option.some(ada.id))
        assert.strictEqual(yield* Effect.promise(() => client.exists(`${keyPrefix}${token}`)), 0)
      }
      assert.deepStrictEqual(
        Option.map(yield* strategy.readToken(bobLegacy), (u) => u.id),
        Option.some(bob.id)
      )
      const ttl = yield* Effect.promise(() => client.pttl(layout.token(digest(legacy[0] ?? ""))))
      assert.isTrue(ttl > 3_590_000 && ttl <= 3_600_000, String(ttl))
      assert.strictEqual(yield* Effect.promise(() => client.pttl(layout.token(digest(legacy[3] ?? "")))), -1)
      const bobTtl = yield* Effect.promise(() => client.pttl(layout.token(digest(bobLegacy))))
      assert.isTrue(bobTtl > 590_000 && bobTtl <= 600_000, String(bobTtl))
      assert.strictEqual(yield* Effect.promise(() => client.pttl(layout.index(ada.id))), -1) // one never expires
      const adaIndex = yield* Effect.promise(() => client.zrange(layout.index(ada.id), 0, "-1"))
      assert.deepStrictEqual(adaIndex.sort(), [...legacy, ours].map(digest).sort())
      // the unparsable session is left as it was
      assert.strictEqual(yield* Effect.promise(() => client.get(`${keyPrefix}${garbage}`)), "not-an-id")
      // no key holds a token any more
      const stored = yield* Effect.promise(() => client.keys(`${keyPrefix}*`))
      for (const token of [...legacy, bobLegacy, ours]) {
        for (const key of stored) assert.notInclude(key, token)
      }

      assert.deepStrictEqual(yield* FastApiUsersMigration.migrate({ keyPrefix }), { migrated: 0, unparsable: 1 })
      for (const token of [...legacy, ours]) assert.isTrue(Option.isSome(yield* strategy.readToken(token)))

      // migrated sessions are covered by log-out-everywhere
      yield* strategy.destroyAllForUser(ada)
      for (const token of [...legacy, ours]) assert.isTrue(Option.isNone(yield* strategy.readToken(token)))
      assert.isTrue(Option.isSome(yield* strategy.readToken(bobLegacy)))
    }).pipe(Effect.scoped, Effect.provide(Stores())))

  it.live("works with FastAPI Users' default prefix and a client with its own keyPrefix", () =>
    Effect.gen(function*() {
      const client = yield* RedisStrategy.RedisClient
      const clientPrefix = String(client.options.keyPrefix)
      yield* Effect.addFinalizer(() =>
        Effect.promise(async () => {
          const raw = await client.keys(`${clientPrefix}*`)
          if (raw.length > 0) await client.del(...raw.map((k) => k.slice(clientPrefix.length)))
        }).pipe(Effect.ignore)
      )
      const ada = yield* createUser("ada@example.com")
      const token = yield* fastApiUsersWrite(client, "fastapi_users_token:", ada.id, 3600)
      assert.deepStrictEqual(yield* FastApiUsersMigration.migrate(), { migrated: 1, unparsable: 0 })
      assert.deepStrictEqual(
        (yield* Effect.promise(() => client.keys(`${clientPrefix}*`))).sort(),
        [
          `${clientPrefix}fastapi_users_token:${digest(token)}`,
          `${clientPrefix}fastapi_users_token:user:${ada.id}`
        ].sort()
      )
      const strategy = yield* RedisStrategy.make()
      assert.isTrue(Option.isSome(yield* strategy.readToken(token)))
    }).pipe(Effect.scoped, Effect.provide(Stores({ keyPrefix: `${uniquePrefix()}app:` }))))

  it.live("glob characters in the prefix are matched literally", () =>
    Effect.gen(function*() {
      const client = yield* RedisStrategy.RedisClient
      const base = uniquePrefix()
      yield* cleanUp(client, base)
      const ada = yield* createUser("ada@example.com")
      const literal = `${base}[a]*:`
      const lookalike = `${base}a-:`
      yield* fastApiUsersWrite(client, literal, ada.id, 60)
      const other = yield* fastApiUsersWrite(client, lookalike, ada.id, 60)
      assert.deepStrictEqual(yield* FastApiUsersMigration.migrate({ keyPrefix: literal }), {
        migrated: 1,
        unparsable: 0
      })
      assert.strictEqual(yield* Effect.promise(() => client.exists(`${lookalike}${other}`)), 1)
    }).pipe(Effect.scoped, Effect.provide(Stores())))
})
