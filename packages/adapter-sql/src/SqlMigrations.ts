/**
 * The schema: FastAPI Users' SQLAlchemy tables (`user`, `oauth_account`, `accesstoken`, same columns and types) plus
 * effect-users' additions — an `email_lower` column holding core's `Email.key` of the e-mail with a unique index
 * (case-insensitive uniqueness that does not depend on the database's locale, used by the e-mail lookup), a unique
 * (`oauth_name`, `account_id`) and an index on `oauth_account.user_id`. Every statement is idempotent, so on a
 * database FastAPI Users created the only change is the additions.
 *
 * @since 0.0.0
 */
import * as Email from "@effect-users/core/Email"
import { bounded } from "@effect-users/core/TimeLimit"
import { UserModel } from "@effect-users/core/User"
import type { RegisteredModel } from "@effect-users/core/User"
import { Cause, Duration, Effect, Layer, Result } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql"
import type { Layout } from "./internal/layout.ts"
import { EMAIL_KEY_COLUMN, makeLayout, quote } from "./internal/layout.ts"
import type { Options } from "./UserTables.ts"

const tableStatements = (l: Layout): ReadonlyArray<string> => [
  `CREATE TABLE IF NOT EXISTS ${l.user} (
  id ${l.idPrimaryType} NOT NULL,
  email VARCHAR(320) NOT NULL,
  hashed_password VARCHAR(1024) NOT NULL,
  is_active BOOLEAN NOT NULL,
  is_superuser BOOLEAN NOT NULL,
  is_verified BOOLEAN NOT NULL,${l.custom.map((c) => `\n  ${c.quoted} ${c.type},`).join("")}
  PRIMARY KEY (id)
)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS ${quote(l.indexes.email)} ON ${l.user} (email)`,
  ...l.custom.map((c) => `ALTER TABLE ${l.user} ADD COLUMN IF NOT EXISTS ${c.quoted} ${c.type}`),
  `CREATE TABLE IF NOT EXISTS ${l.oauth} (
  id ${l.oauthIdPrimaryType} NOT NULL,
  oauth_name VARCHAR(100) NOT NULL,
  access_token VARCHAR(1024) NOT NULL,
  expires_at INTEGER,
  refresh_token VARCHAR(1024),
  account_id VARCHAR(320) NOT NULL,
  account_email VARCHAR(320) NOT NULL,
  user_id ${l.idType} NOT NULL,
  PRIMARY KEY (id),
  FOREIGN KEY (user_id) REFERENCES ${l.user} (id) ON DELETE CASCADE
)`,
  `CREATE INDEX IF NOT EXISTS ${quote(l.indexes.oauthName)} ON ${l.oauth} (oauth_name)`,
  `CREATE INDEX IF NOT EXISTS ${quote(l.indexes.oauthAccountId)} ON ${l.oauth} (account_id)`,
  `CREATE TABLE IF NOT EXISTS ${l.token} (
  token VARCHAR(43) NOT NULL,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL,
  user_id ${l.idType} NOT NULL,
  PRIMARY KEY (token),
  FOREIGN KEY (user_id) REFERENCES ${l.user} (id) ON DELETE CASCADE
)`,
  `CREATE INDEX IF NOT EXISTS ${quote(l.indexes.tokenCreatedAt)} ON ${l.token} (created_at)`
]

const qualifiedIndex = (l: Layout, name: string): string =>
  l.schema === undefined ? quote(name) : `${quote(l.schema)}.${quote(name)}`

const addKeyColumn = (l: Layout): string =>
  `ALTER TABLE ${l.user} ADD COLUMN IF NOT EXISTS ${EMAIL_KEY_COLUMN} VARCHAR(320)`

// After the key column exists and `backfill` has filled it (`run` and `migrations` compute core's key; SQL run by
// hand falls back to the database's `lower`, the same for ASCII addresses).
const emailKeyStatements = (l: Layout): ReadonlyArray<string> => [
  `UPDATE ${l.user} SET ${EMAIL_KEY_COLUMN} = lower(email) WHERE ${EMAIL_KEY_COLUMN} IS NULL`,
  `ALTER TABLE ${l.user} ALTER COLUMN ${EMAIL_KEY_COLUMN} SET NOT NULL`,
  `CREATE UNIQUE INDEX IF NOT EXISTS ${quote(l.indexes.emailLower)} ON ${l.user} (${EMAIL_KEY_COLUMN})`,
  // effect-users' earlier index on lower(email), whose meaning depended on the database's locale.
  `DROP INDEX IF EXISTS ${qualifiedIndex(l, l.indexes.legacyLowerEmail)}`
]

const oauthIndexes = (l: Layout): ReadonlyArray<string> => [
  `CREATE UNIQUE INDEX IF NOT EXISTS ${quote(l.indexes.oauthAccount)} ON ${l.oauth} (oauth_name, account_id)`,
  `CREATE INDEX IF NOT EXISTS ${quote(l.indexes.oauthUser)} ON ${l.oauth} (user_id)`
]

const keyedStatements = (l: Layout): ReadonlyArray<string> => [...emailKeyStatements(l), ...oauthIndexes(l)]

const additionStatements = (l: Layout): ReadonlyArray<string> => [addKeyColumn(l), ...keyedStatements(l)]

/** Sets `email_lower` to core's `Email.key` of the e-mail on every row still without it (rows FastAPI Users wrote). */
const backfill = (l: Layout) =>
  Effect.gen(function*() {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const rows = yield* sql.unsafe<{ id: string; email: string }>(
      `SELECT id::text AS id, email FROM ${l.user} WHERE ${EMAIL_KEY_COLUMN} IS NULL`
    )
    for (const row of rows) {
      yield* sql.unsafe(`UPDATE ${l.user} SET ${EMAIL_KEY_COLUMN} = $2 WHERE id::text = $1`, [
        row.id,
        Email.key(row.email)
      ])
    }
  })

/**
 * The SQL of the migrations, in order: first FastAPI Users' tables (`tables`), then effect-users' additions
 * (`additions`: the single step an existing FastAPI Users database needs). Run by hand, the additions fill
 * `email_lower` of existing rows with the database's `lower(email)`; `run` and `migrations` use core's `Email.key`
 * (they differ only for non-ASCII addresses on a database whose locale does not lower-case them).
 *
 * @since 0.0.0
 * @category constructors
 */
export const statements = (
  model: RegisteredModel,
  options?: Options
): { readonly tables: ReadonlyArray<string>; readonly additions: ReadonlyArray<string> } => {
  const layout = makeLayout(model, options)
  return { tables: tableStatements(layout), additions: additionStatements(layout) }
}

const execute = (sqls: ReadonlyArray<string>): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    for (const text of sqls) yield* sql.unsafe(text)
  })

/**
 * The migrations for effect/sql's `Migrator` (`Migrator.fromRecord(SqlMigrations.migrations(model))`), when the
 * application keeps its own migrations with it. Each is idempotent.
 *
 * @since 0.0.0
 * @category constructors
 */
export const migrations = (
  model: RegisteredModel,
  options?: Options
): Record<string, Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient>> => {
  const layout = makeLayout(model, options)
  return {
    "1_effect_users_tables": execute(tableStatements(layout)),
    "2_effect_users_indexes": execute(oauthIndexes(layout)),
    "3_effect_users_email_lower": Effect.gen(function*() {
      yield* execute([addKeyColumn(layout)])
      yield* backfill(layout)
      yield* execute(emailKeyStatements(layout))
    })
  }
}

/**
 * Creates what is missing, in one transaction, serialised between concurrent starts by an advisory lock; running it
 * again changes nothing. On a database FastAPI Users created it adds only the effect-users column and indexes (it
 * fails, changing nothing, if two users' e-mails differ only in case: merge them first).
 *
 * @since 0.0.0
 * @category constructors
 */
export const run = (options?: Options): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient | UserModel> =>
  Effect.gen(function*() {
    const model = yield* UserModel
    const layout = makeLayout(model, options)
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    yield* sql.withTransaction(
      Effect.gen(function*() {
        yield* sql.unsafe("SELECT pg_advisory_xact_lock(hashtext($1))", [
          `effect-users:${layout.user}:${layout.oauth}:${layout.token}`
        ])
        for (const text of [...tableStatements(layout), addKeyColumn(layout)]) yield* sql.unsafe(text)
        yield* backfill(layout)
        for (const text of keyedStatements(layout)) yield* sql.unsafe(text)
      })
    )
  })

// The database cannot be reached (down, refusing, or not answering within the limit): worth retrying.
const isUnreachable = (error: SqlError.SqlError | Cause.TimeoutError): boolean =>
  Cause.isTimeoutError(error) || error.reason._tag === "ConnectionError"

/**
 * Runs the migrations when the layer is built (at application start). A database that cannot be reached does not
 * stop the start: the layer logs it once and keeps retrying in the background (every `retryEvery`, 2 seconds by
 * default), logging once more when the migrations are applied, while the repositories answer with their errors (a
 * 503) meanwhile. Any other failure (for instance two e-mails that differ only in case) fails the start.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (
  options?: Options & {
    /** How long the attempt at start may take before it continues in the background (default 5 seconds). */
    readonly startTimeout?: Duration.Input | undefined
    readonly retryEvery?: Duration.Input | undefined
  }
): Layer.Layer<never, SqlError.SqlError, SqlClient.SqlClient | UserModel> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const context = yield* Effect.context<SqlClient.SqlClient | UserModel>()
    const attempt = (limit: Duration.Input) =>
      run(options).pipe(Effect.provideContext(context), bounded(limit, "the database"), Effect.result)
    const first = yield* attempt(options?.startTimeout ?? Duration.seconds(5))
    if (Result.isSuccess(first)) return
    const failure = first.failure
    if (!Cause.isTimeoutError(failure) && !isUnreachable(failure)) return yield* Effect.fail(failure)
    yield* Effect.logWarning(
      `SqlMigrations: the database is unreachable (${failure.message}); starting anyway, retrying in the background`
    )
    const retry = Effect.gen(function*() {
      while (true) {
        yield* Effect.sleep(options?.retryEvery ?? Duration.seconds(2))
        const next = yield* attempt(Duration.minutes(1))
        if (Result.isSuccess(next)) {
          return yield* Effect.logInfo("SqlMigrations: the database is reachable again; migrations applied")
        }
        if (!isUnreachable(next.failure)) {
          return yield* Effect.logError("SqlMigrations: the migrations failed; retrying stopped", next.failure)
        }
      }
    })
    yield* Effect.forkScoped(retry)
  }))
