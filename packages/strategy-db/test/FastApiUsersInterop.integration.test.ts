/**
 * Sessions written by FastAPI Users itself (its DatabaseStrategy over fastapi-users-db-sqlalchemy, installed from
 * PyPI in the reference virtual environment) read back through DbStrategy after adapter-sql's migrations and the
 * token migration statement.
 */
import * as DbStrategy from "@effect-users/strategy-db/DbStrategy"
import * as FastApiUsersMigration from "@effect-users/strategy-db/FastApiUsersMigration"
import { requireUrl } from "@effect-users/testing/TestServices"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { fileURLToPath } from "node:url"
import { acquireSchema, layerRepositoriesOn, uniqueSchema } from "./utils.ts"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const fixture = fileURLToPath(new URL("fixtures/fastapi_users_sessions.py", import.meta.url))
const digest = (token: string) => createHash("sha256").update(token).digest("base64url")

const fastApiUsersSessions = (schema: string, count: number): { user_id: string; tokens: Array<string> } => {
  const url = new URL(requireUrl("DATABASE_URL"))
  const python = execFileSync("bash", [`${root}scripts/reference/venv.sh`], { timeout: 600_000 }).toString().trim()
  const asyncpg = `postgresql+asyncpg://${url.username}${
    url.password === "" ? "" : `:${url.password}`
  }@${url.host}${url.pathname}`
  return JSON.parse(execFileSync(python, [fixture, asyncpg, schema, String(count)], { timeout: 120_000 }).toString())
}

describe("FastAPI Users' database sessions", () => {
  it.live("read back through DbStrategy after the migration statement", () =>
    Effect.gen(function*() {
      const schema = uniqueSchema()
      yield* acquireSchema(schema)
      const written = fastApiUsersSessions(schema, 3)
      assert.strictEqual(written.tokens.length, 3)
      for (const token of written.tokens) assert.match(token, /^[A-Za-z0-9_-]{43}$/u)

      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const strategy = yield* DbStrategy.make({ lifetime: "1 hour" })
        for (const token of written.tokens) assert.isTrue(Option.isNone(yield* strategy.readToken(token)))
        yield* sql.unsafe(FastApiUsersMigration.postgresql())
        const stored = (yield* sql<{ token: string }>`SELECT token FROM accesstoken`).map((r) => r.token).sort()
        assert.deepStrictEqual(stored, written.tokens.map(digest).sort())
        for (const token of written.tokens) {
          const user = yield* strategy.readToken(token)
          assert.deepStrictEqual(
            Option.map(user, (u) => [u.id, u.email]),
            Option.some([written.user_id, "ada@example.com"])
          )
        }
        // and log-out-everywhere covers them
        const user = yield* strategy.readToken(written.tokens[0] ?? "")
        if (Option.isSome(user)) yield* strategy.destroyAllForUser(user.value)
        for (const token of written.tokens) assert.isTrue(Option.isNone(yield* strategy.readToken(token)))
      }).pipe(Effect.provide(layerRepositoriesOn(schema)))
    }).pipe(Effect.scoped), { timeout: 600_000 })
})
