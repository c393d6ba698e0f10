/**
 * An embedded PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly, in-process) served over the PostgreSQL wire
 * protocol on a private unix socket, with `@effect/sql-pg`'s `PgClient` connected to it — so the very same adapter
 * code runs without any database server. PGlite is an optional dependency of this package, loaded only when an
 * embedded database starts.
 *
 * @since 0.0.0
 */
import { PgClient } from "@effect/sql-pg"
import { Config, Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import type { SqlClient, SqlError } from "effect/sql"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Template from "./internal/template.ts"

/**
 * The embedded database could not be started (data directory unusable, socket not bindable).
 *
 * @since 0.0.0
 * @category errors
 */
export class EmbeddedPostgresError extends Schema.TaggedError<EmbeddedPostgresError>()("EmbeddedPostgresError", {
  message: Schema.String,
  cause: Schema.Defect()
}) {}

/**
 * Options of the embedded database.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  /** Where PGlite keeps its files (created when missing); in memory, lost at shutdown, when absent. */
  readonly dataDir?: string | undefined
  /**
   * Where an in-memory database caches the freshly initialised cluster of the installed PGlite, so that later starts
   * skip initdb (about two seconds); `$XDG_CACHE_HOME/effect-users` (else `~/.cache/effect-users`) by default,
   * `false` to run initdb at every start. Only the empty cluster is cached, never data.
   */
  readonly templateCache?: string | false | undefined
}

/**
 * A running embedded PostgreSQL: where its wire-protocol socket listens and where its data lives.
 *
 * @since 0.0.0
 * @category services
 */
export class EmbeddedPostgres extends Context.Service<EmbeddedPostgres, {
  /** The unix socket serving the PostgreSQL wire protocol (in a private temporary directory). */
  readonly socketPath: string
  /** The data directory, `None` when in memory. */
  readonly dataDir: Option.Option<string>
}>()("@effect-users/adapter-sql/EmbeddedPostgres") {}

const attempt = <A>(message: string, f: () => Promise<A>): Effect.Effect<A, EmbeddedPostgresError> =>
  Effect.tryPromise({ try: f, catch: (cause) => new EmbeddedPostgresError({ message, cause }) })

/**
 * Starts PGlite and serves it on a unix socket; both are closed, and an in-memory database discarded, when the
 * layer's scope closes. PGlite runs one session, so serve it to one connection (`layer` does).
 *
 * @since 0.0.0
 * @category layers
 */
export const layerServer = (options: Options = {}): Layer.Layer<EmbeddedPostgres, EmbeddedPostgresError> =>
  Layer.effect(
    EmbeddedPostgres,
    Effect.gen(function*() {
      const dataDir = Option.fromNullishOr(options.dataDir)
      const socketDir = yield* Effect.acquireRelease(
        attempt("cannot create the socket directory", () => mkdtemp(join(tmpdir(), "effect-users-pg-"))),
        (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
      )
      const db = yield* Effect.acquireRelease(
        attempt(
          `cannot open the embedded database${Option.match(dataDir, { onNone: () => "", onSome: (d) => ` in ${d}` })}`,
          async () => {
            const { PGlite } = await import("@electric-sql/pglite")
            if (Option.isSome(dataDir)) {
              const db = new PGlite(dataDir.value)
              await db.waitReady
              return db
            }
            const cache = options.templateCache ?? Template.defaultDirectory()
            const file = cache === false ? undefined : await Template.path(cache)
            const template = file === undefined ? undefined : await Template.read(file)
            if (template !== undefined) {
              const db = new PGlite({ loadDataDir: template })
              const loaded = await db.waitReady.then(() => true, () => false)
              if (loaded) return db
              // a damaged or foreign file: initdb, and the cache is rewritten below
              await db.close().catch(() => undefined)
            }
            const db = new PGlite()
            await db.waitReady
            if (file !== undefined) await Template.write(file, await db.dumpDataDir("none"))
            return db
          }
        ),
        (db) => Effect.promise(() => db.close())
      )
      const socketPath = join(socketDir, ".s.PGSQL.5432")
      yield* Effect.acquireRelease(
        attempt("cannot serve the embedded database", async () => {
          const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket")
          // The client keeps one connection (PGlite runs one session); the second slot only lets a replacement
          // connect while the server is still closing a dropped one.
          const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 2 })
          await server.start()
          return server
        }),
        (server) => Effect.promise(() => server.stop())
      )
      return EmbeddedPostgres.of({ socketPath, dataDir })
    })
  )

/**
 * The embedded database and a `PgClient` (one connection: PGlite is single-session) connected to it.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient | EmbeddedPostgres, EmbeddedPostgresError | SqlError.SqlError> =>
  Layer.unwrap(
    Effect.gen(function*() {
      const server = yield* EmbeddedPostgres
      return PgClient.layer({
        path: server.socketPath,
        username: "postgres",
        database: "postgres",
        maxConnections: 1,
        minConnections: 1
      })
    })
  ).pipe(Layer.provideMerge(layerServer(options)))

/**
 * The embedded database configured by `Config` (e.g. `EmbeddedPostgres.layerConfig({ dataDir:
 * Config.option(Config.String("DATA_DIR")) })`).
 *
 * @since 0.0.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Wrap<Options>
): Layer.Layer<
  PgClient.PgClient | SqlClient.SqlClient | EmbeddedPostgres,
  EmbeddedPostgresError | SqlError.SqlError | Config.ConfigError
> => Layer.unwrap(Effect.map(Config.unwrap(config), (options) => layer(options)))

/**
 * The application's database: PostgreSQL at `DATABASE_URL` when it is set, otherwise the embedded one, its data
 * in `EMBEDDED_POSTGRES_DIR` when set, else in memory.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerDefault: Layer.Layer<
  PgClient.PgClient | SqlClient.SqlClient,
  EmbeddedPostgresError | SqlError.SqlError | Config.ConfigError
> = Layer.unwrap(
  Effect.gen(function*() {
    const url = yield* Config.option(Config.Redacted("DATABASE_URL"))
    if (Option.isSome(url) && Redacted.value(url.value) !== "") return PgClient.layer({ url: url.value })
    const dataDir = yield* Config.option(Config.String("EMBEDDED_POSTGRES_DIR"))
    return layer({ dataDir: Option.getOrUndefined(dataDir) })
  })
)
