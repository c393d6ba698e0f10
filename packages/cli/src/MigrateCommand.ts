/**
 * `effect-users migrate`: applies adapter-sql's versioned steps (or creates adapter-mongo's indexes), shows their
 * status, or prints what it would run.
 *
 * @since 0.1.0
 */
import * as MongoIndexes from "@effect-users/adapter-mongo/MongoIndexes"
import * as SqlMigrations from "@effect-users/adapter-sql/SqlMigrations"
import * as User from "@effect-users/core/User"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { failed } from "./CliFailure.ts"
import type { Storage } from "./internal/storage.ts"
import { resolve, storageFlags } from "./internal/storage.ts"

const sqlFailure = (error: SqlMigrations.SqlMigrationError) => failed("migrate", error, error.unreachable)

const sql = (storage: Extract<Storage, { _tag: "Sql" }>, mode: "apply" | "status" | "dry-run") =>
  Effect.gen(function*() {
    const steps = yield* SqlMigrations.status(storage.options).pipe(Effect.mapError(sqlFailure))
    if (mode === "status") {
      for (const step of steps) {
        const state = Option.match(step.appliedAt, {
          onNone: () => "pending",
          onSome: (at) => `applied ${at.toISOString()}`
        })
        yield* Console.log(`${step.id}_${step.name}  ${state}`)
      }
      return
    }
    const pending = steps.filter((step) => Option.isNone(step.appliedAt))
    const always = SqlMigrations.unversioned(storage.model, storage.options)
    if (mode === "dry-run") {
      for (const step of pending) {
        yield* Console.log(`-- ${step.id}_${step.name}: ${step.summary}`)
        for (const text of step.statements) yield* Console.log(text.startsWith("--") ? text : `${text};`)
      }
      if (pending.length === 0) yield* Console.log("-- every step is applied")
      if (always.length > 0) {
        yield* Console.log("-- on every run: the custom-field columns")
        for (const text of always) yield* Console.log(`${text};`)
      }
      return
    }
    if (pending.length > 0) {
      yield* Console.error(
        `migrate: applying ${pending.map((s) => `${s.id}_${s.name}`).join(", ")} to ${storage.description}…`
      )
    }
    const applied = yield* SqlMigrations.run(storage.options).pipe(Effect.mapError(sqlFailure))
    for (const name of applied) yield* Console.log(`applied ${name}`)
    if (applied.length === 0) yield* Console.log("up to date")
  }).pipe(Effect.provide(User.layerModel(storage.model)), Effect.provide(storage.client))

const mongo = (storage: Extract<Storage, { _tag: "Mongo" }>, mode: "apply" | "status" | "dry-run") =>
  Effect.gen(function*() {
    const mongoFailure = (error: MongoIndexes.MongoIndexesError) => failed("migrate", error)
    const items = yield* MongoIndexes.status(storage.options).pipe(Effect.mapError(mongoFailure))
    const count = (item: MongoIndexes.Item) => item.documents === undefined ? "" : ` (${item.documents} documents)`
    if (mode === "status") {
      for (const item of items) {
        yield* Console.log(`${item.pending ? "pending" : "done   "}  ${item.description}${count(item)}`)
      }
      return
    }
    const pending = items.filter((item) => item.pending)
    if (mode === "dry-run") {
      for (const item of pending) yield* Console.log(`${item.description}${count(item)}`)
      if (pending.length === 0) yield* Console.log("# every index is in place")
      return
    }
    if (pending.length > 0) yield* Console.error(`migrate: ${pending.length} changes to ${storage.description}…`)
    yield* MongoIndexes.run(storage.options).pipe(Effect.mapError(mongoFailure))
    for (const item of pending) yield* Console.log(`applied ${item.description}`)
    if (pending.length === 0) yield* Console.log("up to date")
  }).pipe(Effect.provide(User.layerModel(storage.model)), Effect.provide(storage.client))

/**
 * The `migrate` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "migrate",
  {
    ...storageFlags,
    status: Flag.Boolean("status").pipe(
      Flag.withDescription("list each step (each index on MongoDB) as applied or pending; changes nothing"),
      Flag.withDefault(false)
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("print the statements of the pending steps instead of running them"),
      Flag.withDefault(false)
    )
  },
  Effect.fn("effect-users migrate")(function*(flags) {
    const storage = yield* resolve(flags)
    const mode = flags.status ? "status" : flags.dryRun ? "dry-run" : "apply"
    return yield* storage._tag === "Sql" ? sql(storage, mode) : mongo(storage, mode)
  })
).pipe(
  Command.withDescription(
    "Create or update the users' tables (PostgreSQL: versioned steps recorded in effect_users_migrations, under an " +
      "advisory lock) or indexes (MongoDB)."
  ),
  Command.withExamples([
    { command: "effect-users migrate --database-url postgres://…/app", description: "apply the pending steps" },
    { command: "effect-users migrate --status", description: "list the steps, applied or pending" },
    { command: "effect-users migrate --dry-run", description: "print the SQL of the pending steps" }
  ])
)
