/**
 * The schema, versioned: FastAPI Users' SQLAlchemy tables (`user`, `oauth_account`, `accesstoken`, same columns and
 * types) and effect-users' additions, as numbered steps recorded in a version table (`effect_users_migrations`, effect
 * /sql's `Migrator` format) so each runs once; concurrent runners are serialised by an advisory lock. The columns of
 * the application's custom fields follow its model and are ensured on every run.
 *
 * @since 0.0.0
 */
import * as Email from "@effect-users/core/Email"
import { bounded } from "@effect-users/core/TimeLimit"
import { UserModel } from "@effect-users/core/User"
import type { RegisteredModel } from "@effect-users/core/User"
import { Cause, Duration, Effect, Layer, Option, Result, Schema } from "effect"
import { Migrator, SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql"
import { report } from "./internal/failure.ts"
import type { Layout } from "./internal/layout.ts"
import { EMAIL_KEY_COLUMN, makeLayout, quote } from "./internal/layout.ts"
import {
  addKeyColumn,
  adoptionTail,
  backfillComment,
  customColumns,
  lockKey,
  referenceTables
} from "./internal/schema.ts"
import type { Options as TableOptions } from "./UserTables.ts"

/**
 * A migration failed: the step (when one was running), the statement, and the database's own message with its
 * SQLSTATE — or, when the database could not be reached, what the connection reported.
 *
 * @since 0.1.0
 * @category errors
 */
export class SqlMigrationError extends Schema.TaggedError<SqlMigrationError>()("SqlMigrationError", {
  /** The step that failed (`2_fastapi_users_adoption`), absent when the failure came before or after the steps. */
  step: Schema.optional(Schema.String),
  /** The statement that failed, when one did. */
  statement: Schema.optional(Schema.String),
  /** PostgreSQL's SQLSTATE (`23505` for a unique violation), when the server answered. */
  sqlstate: Schema.optional(Schema.String),
  /** PostgreSQL's message (with its detail and hint), or the connection's failure. */
  reason: Schema.String,
  /** True when the database could not be reached (refused, lost, or over the time limit): worth retrying. */
  unreachable: Schema.Boolean,
  cause: Schema.Defect()
}) {
  /** The step, the database's message and the SQLSTATE, on one line. */
  override get message(): string {
    const where = this.step === undefined ? "migration failed" : `migration step ${this.step} failed`
    return `${where}: ${this.reason}${this.sqlstate === undefined ? "" : ` (SQLSTATE ${this.sqlstate})`}`
  }
}

const fail = (
  error: SqlError.SqlError | Cause.TimeoutError,
  at: { readonly step?: string | undefined; readonly statement?: string | undefined } = {}
): SqlMigrationError => {
  const { message, sqlstate } = report(error)
  return new SqlMigrationError({
    ...(at.step === undefined ? {} : { step: at.step }),
    ...(at.statement === undefined ? {} : { statement: at.statement }),
    ...(sqlstate === undefined ? {} : { sqlstate }),
    reason: message,
    unreachable: Cause.isTimeoutError(error) || error.reason._tag === "ConnectionError",
    cause: error
  })
}

/**
 * The migration options: the tables' (`UserTables.Options`) and the version table's name, which lives in the same
 * PostgreSQL schema as the tables.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends TableOptions {
  /** The version table (default `effect_users_migrations`); two sets of tables in one schema need one each. */
  readonly migrationsTable?: string | undefined
}

/**
 * One versioned step: its id and name (as recorded in the version table), what it does, and its SQL in order.
 *
 * @since 0.1.0
 * @category models
 */
export interface Step {
  readonly id: number
  readonly name: string
  readonly summary: string
  /** The statements, in order; a line starting with `--` is work done in the application (the e-mail key backfill). */
  readonly statements: ReadonlyArray<string>
}

/**
 * A step and whether (and when) the database recorded it as applied.
 *
 * @since 0.1.0
 * @category models
 */
export interface StepStatus extends Step {
  readonly appliedAt: Option.Option<Date>
}

interface Runnable extends Step {
  readonly run: Effect.Effect<void, SqlMigrationError, SqlClient.SqlClient>
}

const execute = (step: string, text: string) =>
  Effect.gen(function*() {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    yield* sql.unsafe(text).pipe(Effect.mapError((error) => fail(error, { step, statement: text })))
  })

/** Sets `email_lower` to core's `Email.key` of the e-mail on every row still without it (rows FastAPI Users wrote). */
const backfill = (step: string, l: Layout) =>
  Effect.gen(function*() {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const select = `SELECT id::text AS id, email FROM ${l.user} WHERE ${EMAIL_KEY_COLUMN} IS NULL`
    const rows = yield* sql.unsafe<{ id: string; email: string }>(select).pipe(
      Effect.mapError((error) => fail(error, { step, statement: select }))
    )
    const update = `UPDATE ${l.user} SET ${EMAIL_KEY_COLUMN} = $2 WHERE id::text = $1`
    for (const row of rows) {
      yield* sql.unsafe(update, [row.id, Email.key(row.email)]).pipe(
        Effect.mapError((error) => fail(error, { step, statement: update }))
      )
    }
  })

const TABLES = "fastapi_users_tables"
const ADOPTION = "fastapi_users_adoption"

const runnableSteps = (l: Layout): ReadonlyArray<Runnable> => {
  const tables = referenceTables(l)
  const tablesName = `1_${TABLES}`
  const adoptionName = `2_${ADOPTION}`
  const tail = adoptionTail(l)
  return [
    {
      id: 1,
      name: TABLES,
      summary: "FastAPI Users' tables and indexes (user, oauth_account, accesstoken): those missing are created, " +
        "existing ones are left as they are",
      statements: tables,
      run: Effect.forEach(tables, (text) => execute(tablesName, text), { discard: true })
    },
    {
      id: 2,
      name: ADOPTION,
      summary: "effect-users' additions to FastAPI Users' schema: the email_lower key column (filled from every " +
        "existing row), its unique index, one link per provider account, the index on oauth_account.user_id",
      statements: [addKeyColumn(l), backfillComment(l), ...tail],
      run: Effect.gen(function*() {
        yield* execute(adoptionName, addKeyColumn(l))
        yield* backfill(adoptionName, l)
        for (const text of tail) yield* execute(adoptionName, text)
      })
    }
  ]
}

const publicStep = ({ id, name, statements, summary }: Runnable): Step => ({ id, name, statements, summary })

/**
 * The versioned steps, in order (for printing; `run` applies them).
 *
 * @since 0.1.0
 * @category constructors
 */
export const steps = (model: RegisteredModel, options?: Options): ReadonlyArray<Step> =>
  runnableSteps(makeLayout(model, options)).map(publicStep)

/**
 * The statements run on every migration, outside the versioned steps: one `ADD COLUMN IF NOT EXISTS` per custom
 * field (the columns follow the application's model, which may gain a field after the steps were applied).
 *
 * @since 0.1.0
 * @category constructors
 */
export const unversioned = (model: RegisteredModel, options?: Options): ReadonlyArray<string> =>
  customColumns(makeLayout(model, options))

/**
 * The SQL of the migrations, in order: first FastAPI Users' tables (`tables`, step 1), then effect-users' additions
 * (`additions`, step 2: what an existing FastAPI Users database needs). Run by hand, the additions fill `email_lower`
 * of existing rows with the database's `lower(email)`; `run` uses core's `Email.key` (they differ only for non-ASCII
 * addresses on a database whose locale does not lower-case them).
 *
 * @since 0.0.0
 * @category constructors
 */
export const statements = (
  model: RegisteredModel,
  options?: Options
): { readonly tables: ReadonlyArray<string>; readonly additions: ReadonlyArray<string> } => {
  const layout = makeLayout(model, options)
  return {
    tables: [...referenceTables(layout), ...customColumns(layout)],
    additions: [addKeyColumn(layout), ...adoptionTail(layout)]
  }
}

/**
 * The steps for an application's own effect/sql `Migrator` (`Migrator.fromRecord(SqlMigrations.migrations(model))`),
 * keyed `<id>_<name>`; custom-field columns are added by step 1 when it creates the table.
 *
 * @since 0.0.0
 * @category constructors
 */
export const migrations = (
  model: RegisteredModel,
  options?: Options
): Record<string, Effect.Effect<void, SqlMigrationError, SqlClient.SqlClient>> =>
  Object.fromEntries(runnableSteps(makeLayout(model, options)).map((step) => [`${step.id}_${step.name}`, step.run]))

const versionTable = (l: Layout, options: Options | undefined): string => {
  const name = options?.migrationsTable ?? "effect_users_migrations"
  return l.schema === undefined ? name : `${l.schema}.${name}`
}

const quotedVersionTable = (l: Layout, options: Options | undefined): string =>
  versionTable(l, options).split(".").map(quote).join(".")

const fromMigrator = (error: Migrator.MigrationError | SqlError.SqlError): SqlMigrationError => {
  if (error._tag === "SqlError") return fail(error)
  if (error.cause instanceof SqlMigrationError) return error.cause
  return new SqlMigrationError({ reason: error.message, unreachable: false, cause: error })
}

/**
 * Applies the steps not yet recorded, in one transaction under an advisory lock (concurrent runners wait for each
 * other; the one that comes second finds nothing to do), then ensures the custom-field columns. Returns the names
 * of the steps it applied. A failing step rolls everything back and fails with the database's message and SQLSTATE.
 *
 * @since 0.0.0
 * @category constructors
 */
export const run = (
  options?: Options
): Effect.Effect<ReadonlyArray<string>, SqlMigrationError, SqlClient.SqlClient | UserModel> =>
  Effect.gen(function*() {
    const model = yield* UserModel
    const layout = makeLayout(model, options)
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const lock = "SELECT pg_advisory_xact_lock(hashtext($1))"
    const applied = yield* sql.withTransaction(
      Effect.gen(function*() {
        yield* sql.unsafe(lock, [lockKey(layout)]).pipe(Effect.mapError((error) => fail(error, { statement: lock })))
        const done = yield* Migrator.make({})({
          loader: Migrator.fromRecord(migrations(model, options)),
          table: versionTable(layout, options)
        }).pipe(Effect.mapError(fromMigrator))
        for (const text of customColumns(layout)) {
          yield* sql.unsafe(text).pipe(Effect.mapError((error) => fail(error, { statement: text })))
        }
        return done.map(([id, name]) => `${id}_${name}`)
      })
    ).pipe(Effect.mapError((error) => error instanceof SqlMigrationError ? error : fail(error)))
    return applied
  })

/**
 * Every step with the time the database recorded it (none when pending), read without changing anything.
 *
 * @since 0.1.0
 * @category constructors
 */
export const status = (
  options?: Options
): Effect.Effect<ReadonlyArray<StepStatus>, SqlMigrationError, SqlClient.SqlClient | UserModel> =>
  Effect.gen(function*() {
    const model = yield* UserModel
    const layout = makeLayout(model, options)
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const table = quotedVersionTable(layout, options)
    const exists = yield* sql.unsafe<{ found: boolean }>("SELECT to_regclass($1) IS NOT NULL AS found", [table])
    const recorded = exists[0]?.found === true
      ? yield* sql.unsafe<{ migration_id: number; created_at: Date }>(
        `SELECT migration_id, created_at FROM ${table}`
      )
      : []
    const at = new Map(recorded.map((row) => [row.migration_id, row.created_at]))
    return runnableSteps(layout).map((step) => ({
      ...publicStep(step),
      appliedAt: Option.fromUndefinedOr(at.get(step.id))
    }))
  }).pipe(Effect.mapError((error) => error instanceof SqlMigrationError ? error : fail(error)))

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
): Layer.Layer<never, SqlMigrationError, SqlClient.SqlClient | UserModel> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const context = yield* Effect.context<SqlClient.SqlClient | UserModel>()
    const attempt = (limit: Duration.Input) =>
      run(options).pipe(
        Effect.provideContext(context),
        bounded(limit, "the database"),
        Effect.mapError((error) => error instanceof SqlMigrationError ? error : fail(error)),
        Effect.result
      )
    const first = yield* attempt(options?.startTimeout ?? Duration.seconds(5))
    if (Result.isSuccess(first)) return
    const failure = first.failure
    if (!failure.unreachable) return yield* Effect.fail(failure)
    yield* Effect.logWarning(
      `SqlMigrations: the database is unreachable (${failure.reason}); starting anyway, retrying in the background`
    )
    const retry = Effect.gen(function*() {
      while (true) {
        yield* Effect.sleep(options?.retryEvery ?? Duration.seconds(2))
        const next = yield* attempt(Duration.minutes(1))
        if (Result.isSuccess(next)) {
          return yield* Effect.logInfo("SqlMigrations: the database is reachable again; migrations applied")
        }
        if (!next.failure.unreachable) {
          return yield* Effect.logError("SqlMigrations: the migrations failed; retrying stopped", next.failure)
        }
      }
    })
    yield* Effect.forkScoped(retry)
  }))
