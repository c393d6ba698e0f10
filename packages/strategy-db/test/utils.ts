import { SqlAccessTokenRepository, SqlMigrations, SqlUserRepository } from "@effect-users/adapter-sql"
import type { AccessTokenRepository } from "@effect-users/core/AccessTokenRepository"
import * as UserModel from "@effect-users/core/User"
import type { UserRepository } from "@effect-users/core/UserRepository"
import { requireUrl } from "@effect-users/testing/TestServices"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import type { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"

/**
 * The real PostgreSQL at DATABASE_URL on a fresh schema of its own (first on the `search_path`, so FastAPI Users'
 * table names are used), dropped when the layer closes; adapter-sql's tables migrated, both repositories on it.
 */
export const layerPostgres: Layer.Layer<
  UserRepository | AccessTokenRepository | UserModel.UserModel | SqlClient.SqlClient,
  unknown
> = Layer.unwrap(
  Effect.gen(function*() {
    const url = Redacted.make(requireUrl("DATABASE_URL"))
    const schema = `strategy_db_${process.pid}_${randomBytes(4).toString("hex")}`
    const admin = PgClient.layer({ url, maxConnections: 1 })
    yield* Effect.acquireRelease(
      PgClient.PgClient.use((sql) => sql.unsafe(`CREATE SCHEMA "${schema}"`)).pipe(Effect.provide(admin)),
      () =>
        PgClient.PgClient.use((sql) => sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`)).pipe(
          Effect.provide(admin),
          Effect.ignore
        )
    )
    return PgClient.layer({ url, maxConnections: 4, startupParameters: { search_path: schema } })
  })
).pipe((database) =>
  Layer.mergeAll(SqlUserRepository.layer(), SqlAccessTokenRepository.layer()).pipe(
    Layer.provide(SqlMigrations.layer()),
    Layer.provideMerge(Layer.merge(UserModel.layerDefaultModel, database))
  )
)
