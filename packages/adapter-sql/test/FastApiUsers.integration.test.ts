/**
 * Pointed at a database FastAPI Users created itself (fastapi-users-db-sqlalchemy's models, installed from PyPI in
 * the reference virtual environment), the documented adoption step and the version table are the only change, and both
 * users log in.
 */
import { SqlMigrations, SqlUserRepository } from "@effect-users/adapter-sql"
import * as Email from "@effect-users/core/Email"
import * as Mailer from "@effect-users/core/Mailer"
import * as PasswordHasher from "@effect-users/core/PasswordHasher"
import * as PasswordPolicy from "@effect-users/core/PasswordPolicy"
import * as User from "@effect-users/core/User"
import * as UserHooks from "@effect-users/core/UserHooks"
import * as UserManager from "@effect-users/core/UserManager"
import { UserRepository } from "@effect-users/core/UserRepository"
import { requireUrl } from "@effect-users/testing/TestServices"
import { PgClient } from "@effect/sql-pg"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { uniqueName } from "./utils.ts"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const adminUrl = new URL(requireUrl("DATABASE_URL"))
const database = uniqueName("fau")
const url = new URL(adminUrl)
url.pathname = `/${database}`
const pythonUrl = `postgresql+asyncpg://${url.username}${
  url.password === "" ? "" : `:${url.password}`
}@${url.host}/${database}`

const psqlAdmin = (statement: string) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(statement)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(adminUrl.href), maxConnections: 1 })))
  )

let python = ""
const reference = (...args: ReadonlyArray<string>): Record<string, unknown> =>
  JSON.parse(
    execFileSync(python, [`${root}scripts/reference/fastapi_users_db.py`, ...args], { timeout: 120_000 }).toString()
  )

const argon = { email: "Argon.User@Example.com", password: "argon-password-1" }
const bcrypt = { email: "bcrypt.user@example.com", password: "bcrypt-password-1" }
let created: { argon2: { id: string; hashed_password: string }; bcrypt: { id: string; hashed_password: string } }

beforeAll(async () => {
  python = execFileSync("bash", [`${root}scripts/reference/venv.sh`], { timeout: 600_000 }).toString().trim()
  await psqlAdmin(`CREATE DATABASE "${database}"`)
  created = reference("create", pythonUrl, argon.email, argon.password, bcrypt.email, bcrypt.password) as never
}, 600_000)

afterAll(() => psqlAdmin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`))

/** Every column, index and constraint of the public schema, one line each. */
const schemaSnapshot = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const columns = yield* sql<{ line: string }>`SELECT format('column %s.%s %s %s %s', table_name, column_name,
      data_type, coalesce(character_maximum_length::text, ''), is_nullable || ' default ' || coalesce(column_default, ''))
      AS line FROM information_schema.columns WHERE table_schema = 'public'`
  const indexes = yield* sql<{ line: string }>`SELECT 'index ' || indexdef AS line FROM pg_indexes
      WHERE schemaname = 'public'`
  const constraints = yield* sql<{ line: string }>`SELECT format('constraint %s %s', c.conname,
      pg_get_constraintdef(c.oid)) AS line FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE n.nspname = 'public'`
  const tables = yield* sql<{ line: string }>`SELECT 'table ' || table_name AS line FROM information_schema.tables
      WHERE table_schema = 'public'`
  return new Set([...columns, ...indexes, ...constraints, ...tables].map((r) => r.line))
})

const managerLayer = UserManager.layer({
  verificationTokenSecret: Redacted.make("verify-secret-verify-secret-32bytes"),
  resetPasswordTokenSecret: Redacted.make("reset-secret-reset-secret-32-bytes!")
}).pipe(
  Layer.provideMerge(SqlUserRepository.layer()),
  Layer.provideMerge(
    Layer.mergeAll(
      // FastAPI Users' Argon2 parameters: its users are not rehashed, its bcrypt users are
      PasswordHasher.layer(PasswordHasher.fastApiUsers),
      PasswordPolicy.layer,
      UserHooks.layer,
      Mailer.layerConsole,
      User.layerDefaultModel
    )
  )
)

describe("a database created by FastAPI Users", () => {
  it.live(
    "the documented migration step is the only change; both users log in; the bcrypt hash is upgraded",
    () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const before = yield* schemaSnapshot
        // the two steps the first time (step 1 finds every table there), none the second
        assert.deepStrictEqual(yield* SqlMigrations.run(), ["1_fastapi_users_tables", "2_fastapi_users_adoption"])
        assert.deepStrictEqual(yield* SqlMigrations.run(), [])
        const after = yield* schemaSnapshot
        const added = [...after].filter((line) => !before.has(line)).sort()
        const removed = [...before].filter((line) => !after.has(line))
        assert.deepStrictEqual(removed, [])
        assert.deepStrictEqual(added, [
          "column effect_users_migrations.created_at timestamp with time zone  NO default now()",
          "column effect_users_migrations.migration_id integer  NO default ",
          "column effect_users_migrations.name text  NO default ",
          "column user.email_lower character varying 320 NO default ",
          "constraint effect_users_migrations_pkey PRIMARY KEY (migration_id)",
          "index CREATE INDEX ix_oauth_account_user_id ON public.oauth_account USING btree (user_id)",
          "index CREATE UNIQUE INDEX effect_users_migrations_pkey ON public.effect_users_migrations USING btree (migration_id)",
          "index CREATE UNIQUE INDEX uq_oauth_account_oauth_name_account_id ON public.oauth_account USING btree (oauth_name, account_id)",
          "index CREATE UNIQUE INDEX uq_user_email_lower ON public.\"user\" USING btree (email_lower)",
          "table effect_users_migrations"
        ])
        // the backfill is core's key of what FastAPI Users stored
        const keys = yield* sql<{ email: string; email_lower: string }>`SELECT email, email_lower FROM "user"`
        for (const row of keys) assert.strictEqual(row.email_lower, Email.key(row.email))

        const manager = yield* UserManager.UserManager
        const argonUser = yield* manager.authenticate({ username: "argon.user@example.com", password: argon.password })
        assert.deepStrictEqual(Option.map(argonUser, (u) => u.id), Option.some(created.argon2.id))
        const bcryptUser = yield* manager.authenticate({ username: bcrypt.email, password: bcrypt.password })
        assert.deepStrictEqual(Option.map(bcryptUser, (u) => u.id), Option.some(created.bcrypt.id))
        assert.isTrue(Option.isNone(yield* manager.authenticate({ username: bcrypt.email, password: "wrong" })))

        const rows = yield* sql<{ id: string; hashed_password: string }>`SELECT id, hashed_password FROM "user"`
        const hashes = new Map(rows.map((r) => [r.id, r.hashed_password]))
        assert.strictEqual(hashes.get(created.argon2.id), created.argon2.hashed_password)
        assert.match(created.bcrypt.hashed_password, /^\$2b\$12\$/)
        assert.match(hashes.get(created.bcrypt.id) ?? "", /^\$argon2id\$v=19\$m=65536,t=3,p=4\$/)
        // the upgraded hash is the one now verified
        assert.isTrue(Option.isSome(yield* manager.authenticate({ username: bcrypt.email, password: bcrypt.password })))

        // what FastAPI Users stored reads back: the OAuth account and the stored e-mail's case
        const repo = yield* UserRepository
        const linked = yield* repo.getByOAuthAccount("github", "4242")
        assert.deepStrictEqual(
          Option.map(linked, (u) => [u.email, u.oauth_accounts.length]),
          Option.some([
            "Argon.User@example.com",
            1
          ])
        )
        // and a second account in another case is refused by the new index
        const duplicate = yield* Effect.flip(repo.create({
          email: "ARGON.USER@example.com",
          hashed_password: "x",
          is_active: true,
          is_superuser: false,
          is_verified: false
        }))
        assert.strictEqual(duplicate._tag, "UserAlreadyExists")

        // FastAPI Users itself still logs both users in on the migrated database (the bcrypt user by our Argon2id hash)
        const again = reference("login", pythonUrl, argon.email, argon.password, bcrypt.email, bcrypt.password)
        assert.deepStrictEqual(again, { [argon.email]: created.argon2.id, [bcrypt.email]: created.bcrypt.id })
      }).pipe(
        Effect.provide(
          Layer.unwrap(Effect.sync(() =>
            managerLayer.pipe(Layer.provideMerge(PgClient.layer({ url: Redacted.make(url.href), maxConnections: 2 })))
          ))
        )
      ),
    300_000
  )
})
