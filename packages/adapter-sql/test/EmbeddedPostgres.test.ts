import { EmbeddedPostgres } from "@effect-users/adapter-sql"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"

describe("EmbeddedPostgres", () => {
  it.live("serves PGlite to PgClient, in memory", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const server = yield* EmbeddedPostgres.EmbeddedPostgres
      assert.isTrue(Option.isNone(server.dataDir))
      const [row] = yield* sql<
        { n: number; u: string; j: unknown }
      >`SELECT 1::int AS n, ${"0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11"}::uuid AS u, json_build_array(1, 'a') AS j`
      assert.deepStrictEqual(row, { n: 1, u: "0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11", j: [1, "a"] })
      yield* sql`SELECT pg_advisory_xact_lock(42)`
    }).pipe(Effect.provide(EmbeddedPostgres.layer())), 60_000)

  it.live("keeps its data in a data directory across restarts", () =>
    Effect.gen(function*() {
      const dir = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "effect-users-pglite-test-"))),
        (d) => Effect.promise(() => rm(d, { recursive: true, force: true }))
      )
      const dataDir = join(dir, "data")
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE kept (note text NOT NULL)`
        yield* sql`INSERT INTO kept VALUES ('survives')`
      }).pipe(Effect.provide(EmbeddedPostgres.layer({ dataDir })))
      assert.isTrue((yield* Effect.promise(() => stat(join(dataDir, "PG_VERSION")))).isFile())
      const notes = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{ note: string }>`SELECT note FROM kept`
      }).pipe(Effect.provide(EmbeddedPostgres.layer({ dataDir })))
      assert.deepStrictEqual(notes.map((r) => r.note), ["survives"])
    }).pipe(Effect.scoped), 60_000)

  it.live(
    "caches the initialised cluster of an in-memory database and starts later ones from it",
    () =>
      Effect.gen(function*() {
        const cache = yield* Effect.acquireRelease(
          Effect.promise(() => mkdtemp(join(tmpdir(), "effect-users-pglite-cache-"))),
          (d) => Effect.promise(() => rm(d, { recursive: true, force: true }))
        )
        const noteIn = (templateCache: string | false) =>
          Effect.gen(function*() {
            const sql = yield* SqlClient.SqlClient
            const found = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'marker'`
            // an in-memory database: whatever this start writes is gone at the next one
            yield* sql`CREATE TABLE IF NOT EXISTS marker (note text)`
            return found[0]?.n === 1
          }).pipe(Effect.provide(EmbeddedPostgres.layer({ templateCache })))
        // the first start runs initdb and caches the empty cluster
        assert.isFalse(yield* noteIn(cache))
        const [file] = yield* Effect.promise(() => readdir(cache))
        assert.match(file ?? "", /^pglite-[\w.+-]+-initdb\.tar$/u)
        const path = join(cache, file ?? "")
        const pristine = yield* Effect.promise(() => readFile(path))
        // later starts load it: a template that holds a marker table proves it (a real template never holds data)
        const marked = yield* Effect.acquireRelease(
          Effect.promise(async () => {
            const { PGlite } = await import("@electric-sql/pglite")
            const db = new PGlite({ loadDataDir: new Blob([pristine]) })
            await db.exec("CREATE TABLE marker (note text)")
            const dump = await db.dumpDataDir("none")
            await db.close()
            return new Uint8Array(await dump.arrayBuffer())
          }),
          () => Effect.void
        )
        yield* Effect.promise(() => writeFile(path, marked))
        assert.isTrue(yield* noteIn(cache))
        assert.isFalse(yield* noteIn(false))
        // a damaged file: initdb again, and the cache is rewritten with a loadable template
        yield* Effect.promise(() => writeFile(path, "not a tarball"))
        assert.isFalse(yield* noteIn(cache))
        assert.isAbove((yield* Effect.promise(() => stat(path))).size, 1_000_000)
        assert.isFalse(yield* noteIn(cache))
      }).pipe(Effect.scoped),
    120_000
  )

  it.live("keeps serving after a query is abandoned by a time limit", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const slow = yield* Effect.flip(sql`SELECT pg_sleep(1)`.pipe(Effect.timeout("100 millis")))
      assert.strictEqual(slow._tag, "TimeoutError")
      const rows = yield* sql<{ n: number }>`SELECT 2::int AS n`
      assert.deepStrictEqual(rows, [{ n: 2 }])
    }).pipe(Effect.provide(EmbeddedPostgres.layer())), 60_000)
})
