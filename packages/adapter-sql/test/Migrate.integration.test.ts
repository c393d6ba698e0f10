import { EmbeddedPostgres, SqlMigrations } from "@effect-users/adapter-sql"
import * as User from "@effect-users/core/User"
import { requireUrl } from "@effect-users/testing/TestServices"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { execFileSync } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { layerPostgres } from "./utils.ts"

const script = fileURLToPath(new URL("../scripts/migrate.ts", import.meta.url))
const migrate = (env: Record<string, string>, ...args: ReadonlyArray<string>): string => {
  const { DATABASE_URL: _, ...rest } = process.env
  return execFileSync(process.execPath, [script, ...args], { env: { ...rest, ...env }, timeout: 120_000 }).toString()
}

const tables = (schema: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables
      WHERE table_schema = ${schema} ORDER BY table_name`
    return rows.map((r) => r.table_name)
  })

describe("migrations", () => {
  it.live("concurrent runs are serialised and idempotent", () =>
    Effect.gen(function*() {
      yield* Effect.all(Array.from({ length: 4 }, () => SqlMigrations.run()), { concurrency: "unbounded" })
      const sql = yield* SqlClient.SqlClient
      const [schema] = yield* sql<{ s: string }>`SELECT current_schema() AS s`
      assert.deepStrictEqual(yield* tables(schema?.s ?? ""), [
        "accesstoken",
        "effect_users_migrations",
        "oauth_account",
        "user"
      ])
    }).pipe(Effect.provide(Layer.merge(User.layerDefaultModel, layerPostgres()))), 60_000)

  it.live("the script migrates PostgreSQL at DATABASE_URL, into a schema, twice", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const env = { DATABASE_URL: requireUrl("DATABASE_URL") }
      const [schema] = yield* sql<{ s: string }>`SELECT current_schema() AS s`
      // the script's connection does not have this test's schema on its search_path: it gets its own, named
      const target = `${schema?.s}_script`
      yield* sql.unsafe(`CREATE SCHEMA "${target}"`)
      yield* Effect.addFinalizer(() => sql.unsafe(`DROP SCHEMA "${target}" CASCADE`).pipe(Effect.ignore))
      assert.strictEqual(migrate(env, "--schema", target, "--user", "member"), "migrate: done\n")
      assert.strictEqual(migrate(env, "--schema", target, "--user", "member"), "migrate: done\n")
      assert.deepStrictEqual(yield* tables(target), [
        "accesstoken",
        "effect_users_migrations",
        "member",
        "oauth_account"
      ])
    }).pipe(Effect.scoped, Effect.provide(Layer.merge(User.layerDefaultModel, layerPostgres()))), 120_000)

  it.live(
    "the script migrates the embedded database in EMBEDDED_POSTGRES_DIR when DATABASE_URL is unset",
    () =>
      Effect.gen(function*() {
        const dir = yield* Effect.acquireRelease(
          Effect.promise(() => mkdtemp(join(tmpdir(), "effect-users-migrate-"))),
          (d) => Effect.promise(() => rm(d, { recursive: true, force: true }))
        )
        const dataDir = join(dir, "data")
        assert.strictEqual(migrate({ EMBEDDED_POSTGRES_DIR: dataDir }, "--id", "integer"), "migrate: done\n")
        const found = yield* tables("public").pipe(Effect.provide(EmbeddedPostgres.layer({ dataDir })))
        assert.deepStrictEqual(found, ["accesstoken", "effect_users_migrations", "oauth_account", "user"])
      }).pipe(Effect.scoped),
    120_000
  )
})
