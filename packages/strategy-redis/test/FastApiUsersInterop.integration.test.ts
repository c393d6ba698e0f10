/**
 * Sessions written by FastAPI Users itself (its RedisStrategy on redis.asyncio, installed from PyPI in the reference
 * virtual environment) read back through RedisStrategy after the migration, TTLs kept.
 */
import * as FastApiUsersMigration from "@effect-users/strategy-redis/FastApiUsersMigration"
import * as RedisStrategy from "@effect-users/strategy-redis/RedisStrategy"
import { requireUrl } from "@effect-users/testing/TestServices"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Option } from "effect"
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { fileURLToPath } from "node:url"
import { cleanUp, createUser, Stores, uniquePrefix } from "./utils.ts"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const fixture = fileURLToPath(new URL("fixtures/fastapi_users_sessions.py", import.meta.url))
const digest = (token: string) => createHash("sha256").update(token).digest("base64url")

const fastApiUsersSessions = (
  keyPrefix: string,
  lifetimeSeconds: number | null,
  userIds: ReadonlyArray<string>
): Record<string, string> => {
  const python = execFileSync("bash", [`${root}scripts/reference/venv.sh`], { timeout: 600_000 }).toString().trim()
  return JSON.parse(
    execFileSync(python, [
      fixture,
      requireUrl("REDIS_URL"),
      keyPrefix,
      lifetimeSeconds === null ? "none" : String(lifetimeSeconds),
      ...userIds
    ], { timeout: 120_000 }).toString()
  )
}

describe("FastAPI Users' Redis sessions", () => {
  it.live("read back through RedisStrategy after the migration, TTLs kept", () =>
    Effect.gen(function*() {
      const client = yield* RedisStrategy.RedisClient
      const keyPrefix = uniquePrefix()
      yield* cleanUp(client, keyPrefix)
      const layout = RedisStrategy.keys(keyPrefix)
      const ada = yield* createUser("ada@example.com")
      const bob = yield* createUser("bob@example.com")
      const written = yield* Clock.currentTimeMillis
      const expiring = fastApiUsersSessions(keyPrefix, 3600, [ada.id, bob.id])
      const forever = fastApiUsersSessions(keyPrefix, null, [ada.id])
      const tokens = [expiring[ada.id] ?? "", expiring[bob.id] ?? "", forever[ada.id] ?? ""]
      for (const token of tokens) {
        assert.match(token, /^[A-Za-z0-9_-]{43}$/u)
        assert.strictEqual(yield* Effect.promise(() => client.exists(`${keyPrefix}${token}`)), 1)
      }

      const strategy = yield* RedisStrategy.make({ lifetime: "1 hour", keyPrefix })
      for (const token of tokens) assert.isTrue(Option.isNone(yield* strategy.readToken(token)))
      assert.deepStrictEqual(yield* FastApiUsersMigration.migrate({ keyPrefix }), { migrated: 3, unparsable: 0 })

      const owners = [ada.id, bob.id, ada.id]
      for (const [i, token] of tokens.entries()) {
        assert.deepStrictEqual(Option.map(yield* strategy.readToken(token), (u) => u.id), Option.some(owners[i]))
        assert.strictEqual(yield* Effect.promise(() => client.exists(`${keyPrefix}${token}`)), 0)
      }
      const ttl = yield* Effect.promise(() => client.ttl(layout.token(digest(tokens[0] ?? ""))))
      // the TTL kept: what was left of the hour (the reference's second run and a loaded machine take seconds)
      const elapsed = Math.ceil(((yield* Clock.currentTimeMillis) - written) / 1000)
      assert.isTrue(ttl >= 3600 - elapsed - 1 && ttl <= 3600, `${ttl} after ${elapsed} s`)
      assert.strictEqual(yield* Effect.promise(() => client.ttl(layout.token(digest(tokens[2] ?? "")))), -1)

      yield* strategy.destroyAllForUser(ada)
      assert.isTrue(Option.isNone(yield* strategy.readToken(tokens[0] ?? "")))
      assert.isTrue(Option.isNone(yield* strategy.readToken(tokens[2] ?? "")))
      assert.isTrue(Option.isSome(yield* strategy.readToken(tokens[1] ?? "")))
    }).pipe(Effect.scoped, Effect.provide(Stores())), { timeout: 600_000 })
})
