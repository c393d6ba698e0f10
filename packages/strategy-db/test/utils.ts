import { SqlAccessTokenRepository, SqlMigrations, SqlUserRepository } from "@effect-users/adapter-sql"
import type { AccessTokenRepository } from "@effect-users/core/AccessTokenRepository"
import * as UserModel from "@effect-users/core/User"
import type { UserRepository } from "@effect-users/core/UserRepository"
import { requireUrl } from "@effect-users/testing/TestServices"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import type { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"

/** A schema name unique to this run. */
export const uniqueSchema = (): string => `strategy_db_${process.pid}_${randomBytes(4).toString("hex")}`

const admin = () => PgClient.layer({ url: Redacted.make(requireUrl("DATABASE_URL")), maxConnections: 1 })

/** Creates a schema on the test PostgreSQL, dropped when the scope closes. */
export const acquireSchema = (schema: string) =>
  Effect.acquireRelease(
    PgClient.PgClient.use((sql) => sql.unsafe(`CREATE SCHEMA "${schema}"`)).pipe(Effect.provide(admin())),
    () =>
      PgClient.PgClient.use((sql) => sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`)).pipe(
        Effect.provide(admin()),
        Effect.ignore
      )
  )

/**
 * adapter-sql's repositories on an existing schema of the test PostgreSQL (first on the `search_path`, so FastAPI
 * Users' table names are used), its migrations applied.
 */
export const layerRepositoriesOn = (schema: string): Layer.Layer<
  UserRepository | AccessTokenRepository | UserModel.UserModel | SqlClient.SqlClient,
  unknown
> =>
  Layer.mergeAll(SqlUserRepository.layer(), SqlAccessTokenRepository.layer()).pipe(
    Layer.provide(SqlMigrations.layer()),
    Layer.provideMerge(
      Layer.merge(
        UserModel.layerDefaultModel,
        PgClient.layer({
          url: Redacted.make(requireUrl("DATABASE_URL")),
          maxConnections: 4,
          startupParameters: { search_path: schema }
        })
      )
    )
  )

/** The same on a fresh schema of its own, dropped when the layer closes. */
export const layerPostgres: Layer.Layer<
  UserRepository | AccessTokenRepository | UserModel.UserModel | SqlClient.SqlClient,
  unknown
> = Layer.unwrap(
  Effect.gen(function*() {
    const schema = uniqueSchema()
    yield* acquireSchema(schema)
    return layerRepositoriesOn(schema)
  })
)
