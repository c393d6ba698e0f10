/**
 * Runs effect-users' migrations (SqlMigrations.run) outside the application:
 *
 *   DATABASE_URL=postgres://… npx node packages/adapter-sql/scripts/migrate.ts [options]
 *   EMBEDDED_POSTGRES_DIR=./data npx node packages/adapter-sql/scripts/migrate.ts [options]
 *
 * Options: --schema <name>, --user <table>, --oauth-account <table>, --access-token <table>, --id uuid|integer,
 * --print (print the SQL instead of running it). Custom user fields are the application's: run the migrations from
 * the application (SqlMigrations.layer) when it declares some.
 */
import { EmbeddedPostgres, SqlMigrations } from "@effect-users/adapter-sql"
import type { UserTables } from "@effect-users/adapter-sql"
import * as User from "@effect-users/core/User"
import * as UserId from "@effect-users/core/UserId"
import { Effect, Layer } from "effect"
import { parseArgs } from "node:util"

const { values } = parseArgs({
  options: {
    schema: { type: "string" },
    user: { type: "string" },
    "oauth-account": { type: "string" },
    "access-token": { type: "string" },
    id: { type: "string", default: "uuid" },
    print: { type: "boolean", default: false }
  }
})

if (values.id !== "uuid" && values.id !== "integer") {
  process.stderr.write(`migrate: --id must be uuid or integer, not ${values.id}\n`)
  process.exit(2)
}

const options: UserTables.Options = {
  ...(values.schema === undefined ? {} : { schema: values.schema }),
  ...(values.user === undefined ? {} : { user: values.user }),
  ...(values["oauth-account"] === undefined ? {} : { oauthAccount: values["oauth-account"] }),
  ...(values["access-token"] === undefined ? {} : { accessToken: values["access-token"] })
}
const model: User.RegisteredModel = values.id === "integer"
  ? User.makeModel({ id: UserId.integer }) as unknown as User.RegisteredModel
  : User.defaultModel as User.RegisteredModel

if (values.print) {
  const { additions, tables } = SqlMigrations.statements(model, options)
  process.stdout.write(
    `-- FastAPI Users' tables (no-ops where they exist)\n${tables.map((s) => `${s};\n`).join("")}` +
      `-- effect-users' additions: the migration step of an existing FastAPI Users database\n` +
      `${additions.map((s) => `${s};\n`).join("")}`
  )
} else {
  const program = Effect.gen(function*() {
    yield* SqlMigrations.run(options)
    yield* Effect.sync(() => process.stdout.write("migrate: done\n"))
  }).pipe(Effect.provide(Layer.merge(EmbeddedPostgres.layerDefault, User.layerModel(model))))
  Effect.runPromise(program).catch((error: unknown) => {
    process.stderr.write(`migrate: failed: ${String(error)}\n`)
    process.exit(1)
  })
}
