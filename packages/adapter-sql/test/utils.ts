import { EmbeddedPostgres, SqlAccessTokenRepository, SqlMigrations, SqlUserRepository } from "@effect-users/adapter-sql"
import type { UserTables } from "@effect-users/adapter-sql"
import type { AccessTokenRepository } from "@effect-users/core/AccessTokenRepository"
import * as User from "@effect-users/core/User"
import * as UserId from "@effect-users/core/UserId"
import type { UserRepository } from "@effect-users/core/UserRepository"
import { requireUrl } from "@effect-users/testing/TestServices"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted, Schema } from "effect"
import type { Scope } from "effect"
import type { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"

/** A schema name unique to this run and file, so reruns and parallel files never collide. */
export const uniqueName = (prefix: string): string => `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`

/**
 * The real PostgreSQL at DATABASE_URL, on a fresh schema (first on the connection's `search_path`, so the default
 * table names are used), dropped when the layer closes.
 */
export const layerPostgres = (
  options: { readonly maxConnections?: number } = {}
): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, unknown> =>
  Layer.unwrap(
    Effect.gen(function*() {
      const url = Redacted.make(requireUrl("DATABASE_URL"))
      const schema = uniqueName("eu_test")
      yield* Effect.acquireRelease(
        Effect.gen(function*() {
          const admin = yield* PgClient.PgClient
          yield* admin.unsafe(`CREATE SCHEMA "${schema}"`)
        }).pipe(Effect.provide(PgClient.layer({ url, maxConnections: 1 }))),
        () =>
          Effect.gen(function*() {
            const admin = yield* PgClient.PgClient
            yield* admin.unsafe(`DROP SCHEMA "${schema}" CASCADE`)
          }).pipe(Effect.provide(PgClient.layer({ url, maxConnections: 1 })), Effect.ignore)
      )
      return PgClient.layer({
        url,
        maxConnections: options.maxConnections ?? 8,
        startupParameters: { search_path: schema }
      })
    })
  )

/**
 * A fresh, empty database on the PostgreSQL at DATABASE_URL (its URL), dropped with the scope: for tests of what a
 * whole database holds (the migrations' version table, several connections at once).
 */
export const freshDatabase: Effect.Effect<string, unknown, Scope.Scope> = Effect.gen(function*() {
  const admin = new URL(requireUrl("DATABASE_URL"))
  const name = uniqueName("eu_db")
  const onAdmin = (statement: string) =>
    Effect.gen(function*() {
      const sql = yield* PgClient.PgClient
      yield* sql.unsafe(statement)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(admin.href), maxConnections: 1 })))
  yield* Effect.acquireRelease(
    onAdmin(`CREATE DATABASE "${name}"`),
    () => onAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).pipe(Effect.ignore)
  )
  const url = new URL(admin)
  url.pathname = `/${name}`
  return url.href
})

/** The embedded PGlite. */
export const layerEmbedded: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, unknown> = EmbeddedPostgres.layer()

// the migrations take the table layout, not the repositories' time limit
const tablesOf = ({ timeout: _timeout, ...tables }: SqlUserRepository.Options): UserTables.Options => tables

/** Both repositories on a database, its tables migrated, with a user model. */
export const layerRepositories = (
  database: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, unknown>,
  model: User.RegisteredModel = User.defaultModel as User.RegisteredModel,
  options: SqlUserRepository.Options = {}
): Layer.Layer<
  UserRepository | AccessTokenRepository | User.UserModel | SqlClient.SqlClient | PgClient.PgClient,
  unknown
> =>
  Layer.mergeAll(SqlUserRepository.layer(options), SqlAccessTokenRepository.layer(options)).pipe(
    Layer.provide(SqlMigrations.layer(tablesOf(options))),
    Layer.provideMerge(Layer.merge(User.layerModel(model), database))
  )

/** A user model with store-assigned integer ids and two custom fields (one nullable), like the suites' own. */
export const IntegerModel = User.makeModel({
  id: UserId.integer,
  fields: { nickname: Schema.String, age: Schema.NullOr(Schema.Int) }
})

/** The columns of {@link IntegerModel}'s custom fields. */
export const integerModelColumns: UserTables.Options = {
  columns: {
    nickname: { type: "VARCHAR(100) NOT NULL" },
    age: { column: "age_years", type: "INTEGER" }
  }
}

/** The integer model as the registered one (this package's tests register the default model for the types). */
export const integerModel = IntegerModel as unknown as User.RegisteredModel
