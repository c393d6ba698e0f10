import * as FastApiUsersMigration from "@effect-users/strategy-db/FastApiUsersMigration"
import { requireUrl } from "@effect-users/testing/TestServices"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { createHash, randomBytes, randomUUID } from "node:crypto"

const Pg = Layer.fresh(PgClient.layer({ url: Redacted.make(requireUrl("DATABASE_URL")), maxConnections: 2 }))

const nodeDigest = (token: string) => createHash("sha256").update(token).digest("base64url")

/** A table shaped like FastAPI Users' `accesstoken` (fastapi-users-db-sqlalchemy, as FastAPI Users 15.0.5 uses it). */
const fastApiUsersTable = (schema: string | undefined, table: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const name = schema === undefined ? sql(table) : sql`${sql(schema)}.${sql(table)}`
    if (schema !== undefined) {
      yield* sql`CREATE SCHEMA ${sql(schema)}`
      yield* Effect.addFinalizer(() => sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`.pipe(Effect.ignore))
    }
    yield* sql`CREATE TABLE ${name} (
      token varchar(43) PRIMARY KEY,
      created_at timestamptz NOT NULL DEFAULT now(),
      user_id uuid NOT NULL
    )`
    yield* Effect.addFinalizer(() => sql`DROP TABLE IF EXISTS ${name}`.pipe(Effect.ignore))
    const tokens = Array.from({ length: 200 }, () => randomBytes(32).toString("base64url"))
    const user_id = randomUUID()
    for (const token of tokens) yield* sql`INSERT INTO ${name} ${sql.insert({ token, user_id })}`
    return { tokens, read: sql<{ token: string }>`SELECT token FROM ${name}` }
  })

const suffix = () => `${process.pid}_${randomBytes(4).toString("hex")}`

describe("FastApiUsersMigration (PostgreSQL)", () => {
  it.live("the statement replaces every FastAPI Users token by the digest Node computes", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const table = `accesstoken_${suffix()}`
      const { read, tokens } = yield* fastApiUsersTable(undefined, table)
      yield* sql.unsafe(FastApiUsersMigration.postgresql({ table }))
      const stored = new Set((yield* read).map((row) => row.token))
      assert.strictEqual(stored.size, tokens.length)
      for (const token of tokens) {
        assert.isTrue(stored.has(nodeDigest(token)), token)
        assert.isFalse(stored.has(token))
        assert.strictEqual(FastApiUsersMigration.digest(token), nodeDigest(token))
      }
      for (const value of stored) assert.match(value, /^[A-Za-z0-9_-]{43}$/u)
    }).pipe(Effect.scoped, Effect.provide(Pg)))

  it.live("schema, table and column names are quoted", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const schema = `Legacy "Auth" ${suffix()}`
      const { read, tokens } = yield* fastApiUsersTable(schema, "accesstoken")
      yield* sql.unsafe(FastApiUsersMigration.postgresql({ schema, table: "accesstoken", column: "token" }))
      const stored = (yield* read).map((row) => row.token).sort()
      assert.deepStrictEqual(stored, tokens.map(nodeDigest).sort())
    }).pipe(Effect.scoped, Effect.provide(Pg)))

  it("renders FastAPI Users' default table", () => {
    assert.strictEqual(
      FastApiUsersMigration.postgresql(),
      "UPDATE \"accesstoken\" SET \"token\" = " +
        "rtrim(translate(encode(sha256(convert_to(\"token\", 'UTF8')), 'base64'), '+/', '-_'), '=')"
    )
  })
})
