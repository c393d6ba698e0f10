/**
 * core's `AccessTokenRepository` on `effect/sql`, in FastAPI Users' `accesstoken` table.
 *
 * @since 0.0.0
 */
import type { AccessToken } from "@effect-users/core/AccessTokenRepository"
import { AccessTokenRepository, AccessTokenRepositoryError } from "@effect-users/core/AccessTokenRepository"
import { bounded } from "@effect-users/core/TimeLimit"
import type { Id } from "@effect-users/core/User"
import { UserModel } from "@effect-users/core/User"
import { DateTime, Duration, Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql"
import { makeLayout } from "./internal/layout.ts"
import type * as UserTables from "./UserTables.ts"

/**
 * Table names (shared with the migrations) and the time limit of one repository call.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options extends UserTables.Options {
  /** Beyond this a call fails with `AccessTokenRepositoryError` (a 503); default 1 second, so that a frozen server is detected that fast. */
  readonly timeout?: Duration.Input
}

interface Row {
  readonly token: string
  readonly created_at: Date
  readonly user_id: Id
}

/**
 * Builds the repository on the application's `SqlClient`; the table must exist (`SqlMigrations`).
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<AccessTokenRepository["Service"], never, SqlClient.SqlClient | UserModel> =>
  Effect.gen(function*() {
    const model = yield* UserModel
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const l = yield* Effect.sync(() => makeLayout(model, options))
    const timeout = Duration.fromInputUnsafe(options.timeout ?? Duration.seconds(1))
    const select = `SELECT token, created_at, user_id FROM ${l.token} WHERE token = $1`
    const text = {
      get: select,
      getNotBefore: `${select} AND created_at >= $2::timestamptz`,
      create: `INSERT INTO ${l.token} (token, created_at, user_id) VALUES ($1, $2::timestamptz, $3${l.idCast}) ` +
        `RETURNING token, created_at, user_id`,
      delete: `DELETE FROM ${l.token} WHERE token = $1`,
      deleteAllForUser: `WITH deleted AS (DELETE FROM ${l.token} WHERE user_id = $1${l.idCast} RETURNING 1) ` +
        `SELECT count(*)::int4 AS n FROM deleted`
    }
    const guard = <A>(method: string, effect: Effect.Effect<A, SqlError.SqlError>) =>
      effect.pipe(
        bounded(timeout, "the database"),
        Effect.mapError((cause) => new AccessTokenRepositoryError({ method, cause }))
      )
    const toToken = (row: Row): AccessToken => ({
      token: row.token,
      user_id: row.user_id,
      created_at: DateTime.fromDateUnsafe(row.created_at)
    })
    const query = <A extends object>(statement: string, params: ReadonlyArray<unknown>) =>
      sql.unsafe<A>(statement, params)
    return AccessTokenRepository.of({
      getByToken: (token, notBefore) =>
        guard(
          "getByToken",
          Effect.map(
            Option.match(notBefore, {
              onNone: () => query<Row>(text.get, [token]),
              onSome: (limit) => query<Row>(text.getNotBefore, [token, DateTime.toDateUtc(limit)])
            }),
            (rows) => Option.map(Option.fromNullishOr(rows[0]), toToken)
          )
        ),
      create: (record) =>
        guard(
          "create",
          Effect.flatMap(
            query<Row>(text.create, [record.token, DateTime.toDateUtc(record.created_at), record.user_id]),
            (rows) =>
              Option.match(Option.fromNullishOr(rows[0]), {
                onNone: () => Effect.die(new Error("INSERT returned no row")),
                onSome: (row) => Effect.succeed(toToken(row))
              })
          )
        ),
      delete: (token) => guard("delete", Effect.asVoid(query(text.delete, [token]))),
      deleteAllForUser: (userId) =>
        guard(
          "deleteAllForUser",
          Effect.map(query<{ readonly n: number }>(text.deleteAllForUser, [userId]), (rows) => rows[0]?.n ?? 0)
        )
    })
  })

/**
 * The repository as a layer: provides core's `AccessTokenRepository`, requires the application's `SqlClient` and
 * `UserModel`.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<AccessTokenRepository, never, SqlClient.SqlClient | UserModel> =>
  Layer.effect(AccessTokenRepository, make(options))
