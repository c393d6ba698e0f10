import { SqlMigrations, SqlUserRepository } from "@effect-users/adapter-sql"
import * as User from "@effect-users/core/User"
import * as UserId from "@effect-users/core/UserId"
import { UserRepository } from "@effect-users/core/UserRepository"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema } from "effect"
import { Migrator, SqlClient } from "effect/sql"
import { insert } from "./checks.ts"
import { layerEmbedded } from "./utils.ts"

interface ColumnRow {
  readonly table_name: string
  readonly column_name: string
  readonly data_type: string
  readonly character_maximum_length: number | null
  readonly is_nullable: string
}

const describeColumns = (schema: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<ColumnRow>`SELECT table_name, column_name, data_type, character_maximum_length, is_nullable
      FROM information_schema.columns WHERE table_schema = ${schema} ORDER BY table_name, ordinal_position`
    return rows.map((r) =>
      `${r.table_name}.${r.column_name} ${r.data_type}${
        r.character_maximum_length === null ? "" : `(${r.character_maximum_length})`
      }${r.is_nullable === "NO" ? " NOT NULL" : ""}`
    )
  })

const indexes = (schema: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ indexdef: string }>`SELECT indexdef FROM pg_indexes WHERE schemaname = ${schema}
      ORDER BY indexname`
    return rows.map((r) => r.indexdef.replaceAll(`${schema}.`, ""))
  })

const ModelLayer = User.layerDefaultModel

describe("SqlMigrations", () => {
  it.live(
    "creates FastAPI Users' tables with their exact column types, plus the effect-users indexes; idempotent",
    () =>
      Effect.gen(function*() {
        yield* SqlMigrations.run()
        yield* SqlMigrations.run()
        assert.deepStrictEqual(yield* describeColumns("public"), [
          "accesstoken.token character varying(43) NOT NULL",
          "accesstoken.created_at timestamp with time zone NOT NULL",
          "accesstoken.user_id uuid NOT NULL",
          "effect_users_migrations.migration_id integer NOT NULL",
          "effect_users_migrations.created_at timestamp with time zone NOT NULL",
          "effect_users_migrations.name text NOT NULL",
          "oauth_account.id uuid NOT NULL",
          "oauth_account.oauth_name character varying(100) NOT NULL",
          "oauth_account.access_token character varying(1024) NOT NULL",
          "oauth_account.expires_at integer",
          "oauth_account.refresh_token character varying(1024)",
          "oauth_account.account_id character varying(320) NOT NULL",
          "oauth_account.account_email character varying(320) NOT NULL",
          "oauth_account.user_id uuid NOT NULL",
          "user.id uuid NOT NULL",
          "user.email character varying(320) NOT NULL",
          "user.hashed_password character varying(1024) NOT NULL",
          "user.is_active boolean NOT NULL",
          "user.is_superuser boolean NOT NULL",
          "user.is_verified boolean NOT NULL",
          "user.email_lower character varying(320) NOT NULL"
        ])
        assert.deepStrictEqual(yield* indexes("public"), [
          "CREATE UNIQUE INDEX accesstoken_pkey ON accesstoken USING btree (token)",
          "CREATE UNIQUE INDEX effect_users_migrations_pkey ON effect_users_migrations USING btree (migration_id)",
          "CREATE INDEX ix_accesstoken_created_at ON accesstoken USING btree (created_at)",
          "CREATE INDEX ix_oauth_account_account_id ON oauth_account USING btree (account_id)",
          "CREATE INDEX ix_oauth_account_oauth_name ON oauth_account USING btree (oauth_name)",
          "CREATE INDEX ix_oauth_account_user_id ON oauth_account USING btree (user_id)",
          "CREATE UNIQUE INDEX ix_user_email ON \"user\" USING btree (email)",
          "CREATE UNIQUE INDEX oauth_account_pkey ON oauth_account USING btree (id)",
          "CREATE UNIQUE INDEX uq_oauth_account_oauth_name_account_id ON oauth_account USING btree (oauth_name, account_id)",
          "CREATE UNIQUE INDEX uq_user_email_lower ON \"user\" USING btree (email_lower)",
          "CREATE UNIQUE INDEX user_pkey ON \"user\" USING btree (id)"
        ])
      }).pipe(Effect.provide(Layer.merge(ModelLayer, layerEmbedded))),
    60_000
  )

  it.live("works as effect/sql Migrator migrations", () =>
    Effect.gen(function*() {
      const run = Migrator.make({})({
        loader: Migrator.fromRecord(SqlMigrations.migrations(User.defaultModel as User.RegisteredModel)),
        table: "app_migrations"
      })
      assert.deepStrictEqual(yield* run, [
        [1, "fastapi_users_tables"],
        [2, "fastapi_users_adoption"]
      ])
      assert.deepStrictEqual(yield* run, [])
      assert.strictEqual((yield* describeColumns("public")).length, 18 + 3)
    }).pipe(Effect.provide(Layer.merge(ModelLayer, layerEmbedded))), 60_000)

  it.live(
    "integer ids, custom fields in declared columns, custom table names in a schema",
    () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE SCHEMA auth`
        const model = User.makeModel({
          id: UserId.integer,
          fields: { first_name: Schema.String, birth_year: Schema.NullOr(Schema.Int) }
        })
        const options = {
          schema: "auth",
          user: "account",
          oauthAccount: "account_oauth",
          accessToken: "account_token",
          columns: {
            first_name: { column: "given_name", type: "VARCHAR(100) NOT NULL DEFAULT ''" },
            birth_year: { type: "INTEGER" }
          }
        }
        const registered = model as unknown as User.RegisteredModel
        yield* Effect.gen(function*() {
          yield* SqlMigrations.run(options)
          const repo = yield* UserRepository
          // the default model is registered for the type checker; this test's model has integer ids and custom fields
          const a = yield* repo.create(
            Object.assign(insert("ada@example.com"), { first_name: "Ada", birth_year: 1815 })
          )
          const b = yield* repo.create(
            Object.assign(insert("bob@example.com"), { first_name: "Bob", birth_year: null })
          )
          assert.strictEqual(typeof a.id, "number")
          assert.strictEqual(Number(b.id), Number(a.id) + 1)
          const view: Record<string, unknown> = { ...a }
          assert.deepStrictEqual(view, {
            id: a.id,
            email: "ada@example.com",
            hashed_password: a.hashed_password,
            is_active: true,
            is_superuser: false,
            is_verified: false,
            first_name: "Ada",
            birth_year: 1815,
            oauth_accounts: []
          })
          const renamed = yield* repo.update(a, Object.assign({ is_active: true }, { first_name: "Augusta" }))
          const renamedView: Record<string, unknown> = { ...renamed }
          assert.strictEqual(renamedView.first_name, "Augusta")
          const linked = yield* repo.addOAuthAccount(renamed, {
            oauth_name: "github",
            access_token: "t",
            expires_at: null,
            refresh_token: "r",
            account_id: "7",
            account_email: "ada@github.example"
          })
          assert.strictEqual(linked.oauth_accounts[0]?.id, "1")
          const account = linked.oauth_accounts[0]
          assert.isDefined(account)
          if (account !== undefined) {
            const updated = yield* repo.updateOAuthAccount(linked, account, { refresh_token: null })
            assert.isNull(updated.oauth_accounts[0]?.refresh_token)
          }
          assert.deepStrictEqual(Option.map(yield* repo.get(a.id), (u) => u.email), Option.some("ada@example.com"))
          const [row] = yield* sql<{ given_name: string }>`SELECT given_name FROM auth.account WHERE id = ${a.id}`
          assert.strictEqual(row?.given_name, "Augusta")
          const types = yield* describeColumns("auth")
          assert.include(types, "account.id integer NOT NULL")
          assert.include(types, "account.given_name character varying(100) NOT NULL")
          assert.include(types, "account_oauth.id integer NOT NULL")
          assert.include(types, "account_token.user_id integer NOT NULL")
        }).pipe(Effect.provide(SqlUserRepository.layer(options)), Effect.provide(User.layerModel(registered)))
      }).pipe(Effect.provide(layerEmbedded)),
    60_000
  )

  it.live(
    "on a FastAPI Users database with e-mails differing only in case, fails and changes nothing",
    () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const { tables } = SqlMigrations.statements(User.defaultModel as User.RegisteredModel)
        // FastAPI Users' tables, as step 1 makes them
        for (const statement of tables) yield* sql.unsafe(statement)
        yield* sql`INSERT INTO "user" VALUES
        ('0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11', 'Ada@example.com', 'x', true, false, false),
        ('0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a12', 'ada@example.com', 'x', true, false, false)`
        const before = yield* indexes("public")
        const error = yield* Effect.flip(SqlMigrations.run())
        assert.strictEqual(error.sqlstate, "23505")
        assert.strictEqual(error.step, "2_fastapi_users_adoption")
        assert.deepStrictEqual(yield* indexes("public"), before)
        assert.notInclude(before.join("\n"), "uq_")
      }).pipe(Effect.provide(Layer.merge(ModelLayer, layerEmbedded))),
    60_000
  )
})
