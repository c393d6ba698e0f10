import { requireUrl } from "@effect-users/testing/TestServices"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"

const Pg = PgClient.layer({ url: Redacted.make(requireUrl("DATABASE_URL")) })

describe("PostgreSQL harness", () => {
  it.live("connects, writes and reads back", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const table = `smoke_${process.pid}_${Math.floor(performance.now())}`
      yield* sql`CREATE TABLE ${sql(table)} (id serial PRIMARY KEY, note text NOT NULL)`
      yield* Effect.addFinalizer(() => sql`DROP TABLE IF EXISTS ${sql(table)}`.pipe(Effect.ignore))
      yield* sql`INSERT INTO ${sql(table)} ${sql.insert({ note: "round trip" })}`
      const rows = yield* sql<{ note: string }>`SELECT note FROM ${sql(table)}`
      assert.deepStrictEqual(rows.map((r) => r.note), ["round trip"])
      const [version] = yield* sql<{ server_version: string }>`SHOW server_version`
      console.log(`PostgreSQL round trip ok (server ${version.server_version})`)
    }).pipe(Effect.scoped, Effect.provide(Pg)))
})
