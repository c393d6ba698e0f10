/**
 * Case-insensitive uniqueness does not depend on the database's locale: on a database created with the C locale
 * (whose `lower()` changes ASCII letters only) `ÄDA@…` is still the address `äda@…`, as core's `Email.key` decides.
 *
 * @see issue 13 (both registered on a C-locale database)
 */
import { SqlAccessTokenRepository, SqlMigrations, SqlUserRepository } from "@effect-users/adapter-sql"
import * as User from "@effect-users/core/User"
import { UserRepository } from "@effect-users/core/UserRepository"
import { requireUrl } from "@effect-users/testing/TestServices"
import { PgClient } from "@effect/sql-pg"
import { afterAll, assert, beforeAll, describe, layer } from "@effect/vitest"
import { Effect, Layer, Option, Redacted, Result } from "effect"
import { SqlClient } from "effect/sql"
import { uniqueName } from "./utils.ts"

const adminUrl = Redacted.make(requireUrl("DATABASE_URL"))
const database = uniqueName("eu_c_locale")
const url = new URL(requireUrl("DATABASE_URL"))
url.pathname = `/${database}`

const admin = (statement: string) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(statement)
    }).pipe(Effect.provide(PgClient.layer({ url: adminUrl, maxConnections: 1 })))
  )

beforeAll(
  () => admin(`CREATE DATABASE "${database}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`),
  60_000
)
afterAll(() => admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`), 60_000)

const insert = (email: string) => ({
  email,
  hashed_password: "x",
  is_active: true,
  is_superuser: false,
  is_verified: false
})

const Repositories = Layer.mergeAll(SqlUserRepository.layer(), SqlAccessTokenRepository.layer()).pipe(
  Layer.provide(SqlMigrations.layer()),
  Layer.provideMerge(User.layerDefaultModel),
  Layer.provideMerge(Layer.unwrap(Effect.sync(() => PgClient.layer({ url: Redacted.make(url.href) }))))
)

describe("a PostgreSQL database created with the C locale", () => {
  layer(Repositories, { excludeTestServices: true, timeout: 60_000 })((it) => {
    it.effect("its own lower() leaves Ä alone (the premise)", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [row] = yield* sql<{ lowered: string; ctype: string }>`SELECT lower('ÄDA') AS lowered,
          (SELECT datctype FROM pg_database WHERE datname = current_database()) AS ctype`
        assert.deepStrictEqual(row, { lowered: "Äda", ctype: "C" })
      }))

    it.effect("refuses ÄDA@… after äda@…, finds either spelling, and keeps the stored case", () =>
      Effect.gen(function*() {
        const repository = yield* UserRepository
        const user = yield* repository.create(insert("äda@example.com"))
        const refused = yield* Effect.flip(repository.create(insert("ÄDA@example.com")))
        assert.strictEqual(refused._tag, "UserAlreadyExists")
        // the same letter decomposed (a + combining diaeresis) is the same address too
        const decomposed = yield* Effect.flip(repository.create(insert("A\u0308da@example.com")))
        assert.strictEqual(decomposed._tag, "UserAlreadyExists")
        for (const spelling of ["ÄDA@example.com", "äda@EXAMPLE.com", "a\u0308da@example.com"]) {
          const found = yield* repository.getByEmail(spelling)
          assert.deepStrictEqual(Option.map(found, (u) => [u.id, u.email]), Option.some([user.id, "äda@example.com"]))
        }
        const other = yield* repository.create(insert("ölga@example.com"))
        const moved = yield* Effect.flip(repository.update(other, { email: "ÄDA@example.com" }))
        assert.strictEqual(moved._tag, "UserAlreadyExists")
      }))

    it.effect("of 50 concurrent creates in non-ASCII case variants exactly one succeeds", () =>
      Effect.gen(function*() {
        const repository = yield* UserRepository
        const variants = Array.from({ length: 50 }, (_, i) => {
          const local = [..."élodie"].map((c, j) => ((i >> j) & 1) === 1 ? c.toUpperCase() : c).join("")
          return `${local}.${i % 2 === 0 ? "Ünï" : "üNÏ"}@example.com`
        })
        const results = yield* Effect.all(variants.map((email) => Effect.result(repository.create(insert(email)))), {
          concurrency: "unbounded"
        })
        assert.strictEqual(results.filter(Result.isSuccess).length, 1)
        const failures = results.filter(Result.isFailure).map((result) => result.failure._tag)
        assert.deepStrictEqual(failures, Array.from({ length: 49 }, () => "UserAlreadyExists"))
      }))
  })
})
