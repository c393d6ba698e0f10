/**
 * The versioned migrations on real PostgreSQL, a fresh database per test: each step once, concurrent runners
 * serialised, what a database holding only FastAPI Users' `user` table gains, and a failing step's error.
 */
import { SqlMigrations } from "@effect-users/adapter-sql"
import * as User from "@effect-users/core/User"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { freshDatabase } from "./utils.ts"

const model = User.defaultModel as User.RegisteredModel
const client = (url: string) => PgClient.layer({ url: Redacted.make(url), maxConnections: 2 })
const on = (url: string) => <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | User.UserModel>) =>
  effect.pipe(Effect.provide(Layer.merge(Layer.orDie(client(url)), User.layerDefaultModel)))

const tables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' ORDER BY table_name`
  return rows.map((r) => r.table_name)
})

const recorded = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ migration_id: number; name: string }>`SELECT migration_id, name
    FROM effect_users_migrations ORDER BY migration_id`
  return rows.map((r) => `${r.migration_id}_${r.name}`)
})

describe("versioned migrations", () => {
  it.live(
    "each step once: the first run applies both, the second none; status reads the version table",
    () =>
      Effect.gen(function*() {
        const run = on(yield* freshDatabase)
        const before = yield* run(SqlMigrations.status())
        assert.deepStrictEqual(before.map((s) => [s.id, s.name, Option.isSome(s.appliedAt)]), [
          [1, "fastapi_users_tables", false],
          [2, "fastapi_users_adoption", false]
        ])
        assert.deepStrictEqual(yield* run(tables), [], "status changes nothing")
        assert.deepStrictEqual(yield* run(SqlMigrations.run()), ["1_fastapi_users_tables", "2_fastapi_users_adoption"])
        assert.deepStrictEqual(yield* run(SqlMigrations.run()), [])
        assert.deepStrictEqual(yield* run(recorded), ["1_fastapi_users_tables", "2_fastapi_users_adoption"])
        const after = yield* run(SqlMigrations.status())
        assert.isTrue(after.every((s) => Option.isSome(s.appliedAt)))
        assert.deepStrictEqual(yield* run(tables), ["accesstoken", "effect_users_migrations", "oauth_account", "user"])
      }).pipe(Effect.scoped),
    60_000
  )

  it.live(
    "two runners on their own connections at once: one applies the steps, the other waits and finds none",
    () =>
      Effect.gen(function*() {
        const url = yield* freshDatabase
        const [a, b] = yield* Effect.all([on(url)(SqlMigrations.run()), on(url)(SqlMigrations.run())], {
          concurrency: "unbounded"
        })
        assert.deepStrictEqual([...a, ...b].sort(), ["1_fastapi_users_tables", "2_fastapi_users_adoption"])
        assert.isTrue(a.length === 0 || b.length === 0, `both applied steps: ${a} / ${b}`)
        assert.deepStrictEqual(yield* on(url)(recorded), ["1_fastapi_users_tables", "2_fastapi_users_adoption"])
      }).pipe(Effect.scoped),
    60_000
  )

  it.live(
    "a database with only FastAPI Users' user table gains oauth_account and accesstoken (step 1)",
    () =>
      Effect.gen(function*() {
        const run = on(yield* freshDatabase)
        const [createUser, createEmailIndex] = SqlMigrations.statements(model).tables
        yield* run(Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* sql.unsafe(createUser ?? "")
          yield* sql.unsafe(createEmailIndex ?? "")
          yield* sql`INSERT INTO "user" VALUES ('0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11', 'Ada@Example.com', 'x', true, false, false)`
        }))
        assert.deepStrictEqual(yield* run(SqlMigrations.run()), ["1_fastapi_users_tables", "2_fastapi_users_adoption"])
        assert.deepStrictEqual(yield* run(tables), ["accesstoken", "effect_users_migrations", "oauth_account", "user"])
        const rows = yield* run(Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          return yield* sql<{ email_lower: string }>`SELECT email_lower FROM "user"`
        }))
        assert.deepStrictEqual(rows.map((r) => r.email_lower), ["ada@example.com"])
      }).pipe(Effect.scoped),
    60_000
  )

  it.live(
    "a database migrated before versioning: both steps are recorded, the schema does not change",
    () =>
      Effect.gen(function*() {
        const run = on(yield* freshDatabase)
        const { additions, tables: reference } = SqlMigrations.statements(model)
        yield* run(Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          for (const text of [...reference, ...additions]) yield* sql.unsafe(text)
        }))
        assert.deepStrictEqual(yield* run(SqlMigrations.run()), ["1_fastapi_users_tables", "2_fastapi_users_adoption"])
        assert.deepStrictEqual(yield* run(tables), ["accesstoken", "effect_users_migrations", "oauth_account", "user"])
      }).pipe(Effect.scoped),
    60_000
  )

  it.live(
    "a failing step carries PostgreSQL's message, detail and SQLSTATE, and the step; nothing is applied",
    () =>
      Effect.gen(function*() {
        const run = on(yield* freshDatabase)
        const [createUser] = SqlMigrations.statements(model).tables
        yield* run(Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* sql.unsafe(createUser ?? "")
          yield* sql`INSERT INTO "user" VALUES
          ('0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11', 'Ada@example.com', 'x', true, false, false),
          ('0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a12', 'ada@example.com', 'x', true, false, false)`
        }))
        const error = yield* Effect.flip(run(SqlMigrations.run()))
        assert.strictEqual(error._tag, "SqlMigrationError")
        assert.strictEqual(error.step, "2_fastapi_users_adoption")
        assert.strictEqual(error.sqlstate, "23505")
        assert.strictEqual(
          error.message,
          "migration step 2_fastapi_users_adoption failed: could not create unique index \"uq_user_email_lower\". " +
            "Key (email_lower)=(ada@example.com) is duplicated. (SQLSTATE 23505)"
        )
        assert.include(error.statement ?? "", "CREATE UNIQUE INDEX IF NOT EXISTS \"uq_user_email_lower\"")
        // one transaction: not even step 1's tables or the version table's rows remain
        assert.deepStrictEqual(yield* run(tables), ["user"])
      }).pipe(Effect.scoped),
    60_000
  )

  it.live(
    "an unreachable database fails with the connection's cause, marked unreachable",
    () =>
      Effect.gen(function*() {
        const url = new URL(yield* freshDatabase)
        url.port = "1"
        const error = yield* Effect.flip(on(url.href)(SqlMigrations.run()))
        assert.isTrue(error.unreachable)
        assert.include(error.message, "ECONNREFUSED")
        assert.notInclude(error.message, "Query failed")
      }).pipe(Effect.scoped),
    60_000
  )
})
