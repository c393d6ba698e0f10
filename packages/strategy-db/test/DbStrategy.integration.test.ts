import * as UserRepository from "@effect-users/core/UserRepository"
import * as DbStrategy from "@effect-users/strategy-db/DbStrategy"
import * as FastApiUsersMigration from "@effect-users/strategy-db/FastApiUsersMigration"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { createHash, randomBytes } from "node:crypto"
import { layerPostgres } from "./utils.ts"

const digest = (token: string) => createHash("sha256").update(token).digest("base64url")

const createUser = (email: string) =>
  UserRepository.UserRepository.use((users) =>
    users.create({ email, hashed_password: "x", is_active: true, is_superuser: false, is_verified: false })
  )

describe("DbStrategy on PostgreSQL (adapter-sql's accesstoken table)", () => {
  it.live("the row holds the token's digest, which fits FastAPI Users' VARCHAR(43), never the token", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const strategy = yield* DbStrategy.make({ lifetime: "1 hour" })
      const user = yield* createUser("ada@example.com")
      const tokens = yield* Effect.forEach([1, 2, 3], () => strategy.writeToken(user))
      const rows = yield* sql<{ token: string; user_id: string }>`SELECT token, user_id::text FROM accesstoken`
      assert.deepStrictEqual(rows.map((r) => r.token).sort(), tokens.map(digest).sort())
      for (const row of rows) {
        assert.strictEqual(row.user_id, user.id)
        assert.notInclude(tokens, row.token)
      }
      const [column] = yield* sql<{ type: string }>`
        SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = 'accesstoken'::regclass AND attname = 'token'`
      assert.strictEqual(column?.type, "character varying(43)")
      for (const token of tokens) {
        assert.deepStrictEqual(Option.map(yield* strategy.readToken(token), (u) => u.id), Option.some(user.id))
      }
      yield* strategy.destroyAllForUser(user)
      assert.deepStrictEqual(yield* sql`SELECT token FROM accesstoken`, [])
    }).pipe(Effect.scoped, Effect.provide(layerPostgres)))

  it.live("sessions FastAPI Users stored read back after the migration statement, with their created_at", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const user = yield* createUser("ada@example.com")
      // what FastAPI Users' DatabaseStrategy.write_token stores in 15.0.5: the token itself
      const fresh = randomBytes(32).toString("base64url")
      const old = randomBytes(32).toString("base64url")
      yield* sql`INSERT INTO accesstoken (token, created_at, user_id)
        VALUES (${fresh}, now() - interval '10 minutes', ${user.id}::uuid),
               (${old}, now() - interval '2 hours', ${user.id}::uuid)`
      const strategy = yield* DbStrategy.make({ lifetime: "1 hour" })
      assert.isTrue(Option.isNone(yield* strategy.readToken(fresh)), "not readable before the migration")

      yield* sql.unsafe(FastApiUsersMigration.postgresql())

      assert.deepStrictEqual(Option.map(yield* strategy.readToken(fresh), (u) => u.id), Option.some(user.id))
      assert.isTrue(Option.isNone(yield* strategy.readToken(old)), "created_at is kept, so the lifetime still applies")
      const stored = (yield* sql<{ token: string }>`SELECT token FROM accesstoken`).map((r) => r.token).sort()
      assert.deepStrictEqual(stored, [digest(fresh), digest(old)].sort())
      yield* strategy.destroyToken(fresh, user)
      assert.isTrue(Option.isNone(yield* strategy.readToken(fresh)))
    }).pipe(Effect.scoped, Effect.provide(layerPostgres)))
})
