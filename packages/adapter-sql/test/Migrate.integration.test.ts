import { SqlMigrations } from "@effect-users/adapter-sql"
import * as User from "@effect-users/core/User"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { layerPostgres } from "./utils.ts"

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
})
