import * as Mailer from "@effect-users/core/Mailer"
import * as PasswordHasher from "@effect-users/core/PasswordHasher"
import * as PasswordPolicy from "@effect-users/core/PasswordPolicy"
import * as UserHooks from "@effect-users/core/UserHooks"
import * as UserManager from "@effect-users/core/UserManager"
import type { PgClient } from "@effect/sql-pg"
import { assert } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { unique } from "./checks.ts"
import { layerRepositories } from "./utils.ts"

/** `UserManager` (test hasher) over the SQL repositories, on a database whose tables are migrated. */
export const layerManager = (database: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, unknown>) =>
  UserManager.layer({
    verificationTokenSecret: Redacted.make("verify-secret-verify-secret-32bytes"),
    resetPasswordTokenSecret: Redacted.make("reset-secret-reset-secret-32-bytes!")
  }).pipe(
    Layer.provideMerge(
      Layer.mergeAll(PasswordHasher.layerTest, PasswordPolicy.layer, UserHooks.layer, Mailer.layerConsole)
    ),
    // a race checks who wins, not how fast: on a loaded machine 200 concurrent calls may wait past the 1 s default
    Layer.provideMerge(layerRepositories(database, undefined, { timeout: "60 seconds" }))
  )

/** 200 concurrent registrations of one address in case variants through `UserManager`: exactly one user. */
export const registrationRace = Effect.gen(function*() {
  const manager = yield* UserManager.UserManager
  const email = unique("racer")
  const variants = Array.from({ length: 200 }, (_, i) => {
    const [local = "", domain = ""] = email.split("@")
    const cased = [...local].map((c, j) => ((i >> (j % 8)) & 1) === 1 ? c.toUpperCase() : c.toLowerCase()).join("")
    return `${cased}@${i % 2 === 0 ? domain.toLowerCase() : domain}`
  })
  const results = yield* Effect.forEach(
    variants,
    (address) => Effect.result(manager.create({ email: address, password: "correct horse" }, { safe: true })),
    { concurrency: "unbounded" }
  )
  const failures = results.filter((r) => r._tag === "Failure").map((r) => r.failure._tag)
  assert.strictEqual(results.length - failures.length, 1)
  assert.deepStrictEqual(new Set(failures), new Set(["UserAlreadyExists"]))
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM "user" WHERE lower(email) = lower(${email})`
  assert.strictEqual(row?.n, 1)
})
