import * as MongoDatabase from "@effect-users/adapter-mongo/MongoDatabase"
import * as MongoUserRepository from "@effect-users/adapter-mongo/MongoUserRepository"
import * as EmbeddedPostgres from "@effect-users/adapter-sql/EmbeddedPostgres"
import type * as SqlMigrations from "@effect-users/adapter-sql/SqlMigrations"
import * as SqlUserRepository from "@effect-users/adapter-sql/SqlUserRepository"
import * as User from "@effect-users/core/User"
import * as UserId from "@effect-users/core/UserId"
import type { UserRepository } from "@effect-users/core/UserRepository"
import { PgClient } from "@effect/sql-pg"
import { Cause, Config, Effect, Layer, Option, Redacted } from "effect"
import { Flag } from "effect/cli"
import type { SqlClient } from "effect/sql"
import type { CliFailure } from "../CliFailure.ts"
import { failed, usage } from "../CliFailure.ts"

/** Where the users are: the flags every command that touches the database shares, each with its variable. */
export const storageFlags = {
  databaseUrl: Flag.Redacted("database-url").pipe(
    Flag.withDescription("PostgreSQL URL (default: $DATABASE_URL)"),
    Flag.withFallbackConfig(Config.Redacted("DATABASE_URL")),
    Flag.optional
  ),
  embeddedDir: Flag.String("embedded-dir").pipe(
    Flag.withDescription(
      "the embedded PostgreSQL's data directory, as the application's (default: $EMBEDDED_POSTGRES_DIR)"
    ),
    Flag.withFallbackConfig(Config.String("EMBEDDED_POSTGRES_DIR")),
    Flag.optional
  ),
  mongodbUrl: Flag.Redacted("mongodb-url").pipe(
    Flag.withDescription("MongoDB URL; wins over PostgreSQL (default: $MONGODB_URL)"),
    Flag.withFallbackConfig(Config.Redacted("MONGODB_URL")),
    Flag.optional
  ),
  mongodbDatabase: Flag.String("mongodb-database").pipe(
    Flag.withDescription("the MongoDB database (default: $MONGODB_DATABASE, else effect_users)"),
    Flag.withFallbackConfig(Config.String("MONGODB_DATABASE")),
    Flag.withDefault("effect_users")
  ),
  schema: Flag.String("schema").pipe(
    Flag.withDescription("PostgreSQL schema of the tables (default: the connection's search_path)"),
    Flag.optional
  ),
  userTable: Flag.String("user-table").pipe(
    Flag.withDescription("the users table or collection (default: user / User)"),
    Flag.optional
  ),
  oauthAccountTable: Flag.String("oauth-account-table").pipe(
    Flag.withDescription("the OAuth accounts table (PostgreSQL; default: oauth_account)"),
    Flag.optional
  ),
  accessTokenTable: Flag.String("access-token-table").pipe(
    Flag.withDescription("the access tokens table or collection (default: accesstoken / AccessToken)"),
    Flag.optional
  ),
  id: Flag.Literals("id", ["uuid", "integer", "objectId"]).pipe(
    Flag.withDescription("the kind of user id, as the application's model declares it"),
    Flag.withDefault("uuid")
  )
} as const

type Flags = {
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>
  readonly embeddedDir: Option.Option<string>
  readonly mongodbUrl: Option.Option<Redacted.Redacted<string>>
  readonly mongodbDatabase: string
  readonly schema: Option.Option<string>
  readonly userTable: Option.Option<string>
  readonly oauthAccountTable: Option.Option<string>
  readonly accessTokenTable: Option.Option<string>
  readonly id: "uuid" | "integer" | "objectId"
}

/** A database the flags point at: PostgreSQL (a server or the embedded one) or MongoDB. */
export type Storage =
  | {
    readonly _tag: "Sql"
    readonly description: string
    readonly options: SqlMigrations.Options
    readonly client: Layer.Layer<SqlClient.SqlClient | PgClient.PgClient, CliFailure>
    readonly model: User.RegisteredModel
  }
  | {
    readonly _tag: "Mongo"
    readonly description: string
    readonly options: MongoUserRepository.Options
    readonly client: Layer.Layer<MongoDatabase.MongoDatabase, CliFailure>
    readonly model: User.RegisteredModel
  }

// The CLI runs outside the application, so it cannot see the model the application registered for the type
// checker; it builds the one the flags describe (id kind, no custom field) and hands it over as the registered one.
// This is the only cast of the package: the repositories read ids and fields through the model at run time.
const modelOf = (id: Flags["id"]): User.RegisteredModel =>
  (id === "integer"
    ? User.makeModel({ id: UserId.integer })
    : id === "objectId"
    ? User.makeModel({ id: UserId.objectId })
    : User.defaultModel) as unknown as User.RegisteredModel

// A layer's failure as the CLI's (Layer has no mapError): the first failure or defect, described.
const failWith =
  (f: (cause: unknown) => CliFailure) => <A, E, R>(layer: Layer.Layer<A, E, R>): Layer.Layer<A, CliFailure, R> =>
    Layer.effectContext(Effect.mapError(Layer.build(layer), f))

/** Resolves the flags (and their variables) to one database, or a usage failure naming what to set. */
export const resolve = (flags: Flags): Effect.Effect<Storage, CliFailure> =>
  Effect.gen(function*() {
    const model = modelOf(flags.id)
    const some = <K extends string, A>(key: K, value: Option.Option<A>) =>
      Option.isSome(value) ? { [key]: value.value } as Record<K, A> : {}
    if (Option.isSome(flags.mongodbUrl) && Redacted.value(flags.mongodbUrl.value) !== "") {
      const url = Redacted.value(flags.mongodbUrl.value)
      return {
        _tag: "Mongo",
        description: `MongoDB database ${flags.mongodbDatabase}`,
        options: { ...some("user", flags.userTable), ...some("accessToken", flags.accessTokenTable) },
        client: MongoDatabase.layerConnect({ url, database: flags.mongodbDatabase }).pipe(
          failWith((cause) => failed("cannot connect to MongoDB", cause, true))
        ),
        model
      } as const
    }
    const options: SqlMigrations.Options = {
      ...some("schema", flags.schema),
      ...some("user", flags.userTable),
      ...some("oauthAccount", flags.oauthAccountTable),
      ...some("accessToken", flags.accessTokenTable)
    }
    if (Option.isSome(flags.databaseUrl) && Redacted.value(flags.databaseUrl.value) !== "") {
      const url = new URL(Redacted.value(flags.databaseUrl.value))
      return {
        _tag: "Sql",
        description: `PostgreSQL database ${url.pathname.slice(1)} on ${url.host}`,
        options,
        client: PgClient.layer({ url: flags.databaseUrl.value, maxConnections: 2 }).pipe(
          failWith((cause) => failed("cannot connect to PostgreSQL", cause, isUnreachable(cause)))
        ),
        model
      } as const
    }
    if (Option.isSome(flags.embeddedDir) && flags.embeddedDir.value !== "") {
      return {
        _tag: "Sql",
        description: `the embedded PostgreSQL in ${flags.embeddedDir.value}`,
        options,
        client: EmbeddedPostgres.layer({ dataDir: flags.embeddedDir.value }).pipe(
          failWith((cause) => failed("cannot open the embedded PostgreSQL", cause))
        ),
        model
      } as const
    }
    return yield* usage(
      "no database: pass --database-url or set DATABASE_URL (PostgreSQL), --mongodb-url or MONGODB_URL (MongoDB), " +
        "or --embedded-dir or EMBEDDED_POSTGRES_DIR (the embedded PostgreSQL)"
    )
  })

/** The user repository on the storage, its tables or indexes expected in place (`migrate` creates them). */
export const userRepository = (storage: Storage): Layer.Layer<UserRepository | User.UserModel, CliFailure> =>
  storage._tag === "Sql"
    ? SqlUserRepository.layer({ ...storage.options, timeout: "10 seconds" }).pipe(
      Layer.provideMerge(User.layerModel(storage.model)),
      Layer.provide(storage.client)
    )
    : MongoUserRepository.layer({ ...storage.options, timeout: "10 seconds" }).pipe(
      Layer.provideMerge(User.layerModel(storage.model)),
      Layer.provide(storage.client)
    )

/**
 * Whether a failure is the database being out of reach: a refused or lost connection, a time limit, or MongoDB's
 * server selection, found anywhere along the chain of causes (the port error, the driver's error, its cause).
 */
export const isUnreachable = (cause: unknown, depth = 0): boolean => {
  if (depth > 6 || typeof cause !== "object" || cause === null) return false
  if (Cause.isTimeoutError(cause)) return true
  const tag: unknown = Reflect.get(cause, "_tag")
  const name: unknown = Reflect.get(cause, "name")
  if (tag === "ConnectionError" || name === "MongoServerSelectionError" || name === "MongoNetworkError") return true
  return isUnreachable(Reflect.get(cause, "reason"), depth + 1) || isUnreachable(Reflect.get(cause, "cause"), depth + 1)
}

/** Whether a failure is PostgreSQL's "relation does not exist" (SQLSTATE 42P01): the tables are not migrated yet. */
export const isMissingTable = (cause: unknown, depth = 0): boolean => {
  if (depth > 6 || typeof cause !== "object" || cause === null) return false
  if (Reflect.get(cause, "code") === "42P01") return true
  return isMissingTable(Reflect.get(cause, "reason"), depth + 1) ||
    isMissingTable(Reflect.get(cause, "cause"), depth + 1)
}

/** The message of a repository failure, with the fix when the tables are missing. */
export const storeFailure = (what: string, error: unknown) =>
  failed(isMissingTable(error) ? `${what} (run \`effect-users migrate\` first)` : what, error, isUnreachable(error))
