import type { RegisteredModel as Model } from "@effect-users/core/User"
import type { CustomColumn, Options } from "../UserTables.ts"
import { defaults } from "../UserTables.ts"

export const quote = (identifier: string): string => `"${identifier.replaceAll("\"", "\"\"")}"`

/** The column holding core's `Email.key` of the e-mail (effect-users' addition): what uniqueness and lookups use. */
export const EMAIL_KEY_COLUMN = "email_lower"

// PostgreSQL truncates identifiers to 63 bytes: keep generated names within it so error classification matches.
const indexName = (name: string): string => Buffer.from(name).subarray(0, 63).toString()

export interface Column {
  readonly field: string
  readonly column: string
  readonly quoted: string
  readonly type: string
  readonly toSql: (value: unknown) => unknown
  readonly fromSql: (value: unknown) => unknown
}

/** Everything the statements need, resolved once from the options and the user model. */
export interface Layout {
  readonly kind: "uuid" | "integer" | "objectId"
  readonly schema: string | undefined
  readonly userName: string
  readonly oauthName: string
  readonly tokenName: string
  /** Qualified, quoted table names. */
  readonly user: string
  readonly oauth: string
  readonly token: string
  /** The SQL type of a user id column, and of a reference to one. */
  readonly idPrimaryType: string
  readonly idType: string
  /** The SQL type of `oauth_account.id`. */
  readonly oauthIdPrimaryType: string
  readonly idCast: string
  readonly indexes: {
    /** FastAPI Users' (case-sensitive) unique index. */
    readonly email: string
    /** effect-users: case-insensitive uniqueness (difference Q13) on `email_lower` (core's `Email.key`), used by the lookup. */
    readonly emailLower: string
    /** effect-users before `email_lower`: unique on `lower(email)`, which depends on the database's locale. */
    readonly legacyLowerEmail: string
    /** effect-users: one link per provider account (difference Q7). */
    readonly oauthAccount: string
    /** effect-users: loading a user's OAuth accounts without a scan. */
    readonly oauthUser: string
    readonly oauthName: string
    readonly oauthAccountId: string
    readonly tokenCreatedAt: string
  }
  readonly custom: ReadonlyArray<Column>
}

const identity = (value: unknown): unknown => value

export const makeLayout = (model: Model, options: Options = {}): Layout => {
  const userName = options.user ?? defaults.user
  const oauthName = options.oauthAccount ?? defaults.oauthAccount
  const tokenName = options.accessToken ?? defaults.accessToken
  const qualify = (table: string) =>
    options.schema === undefined ? quote(table) : `${quote(options.schema)}.${quote(table)}`
  const kind = model.id._tag
  const fields = Object.keys(model.fields)
  const columns: Readonly<Record<string, CustomColumn>> = options.columns ?? {}
  for (const field of fields) {
    if (columns[field] === undefined) {
      throw new Error(
        `adapter-sql: the user model's custom field "${field}" has no column: declare it in the "columns" option`
      )
    }
  }
  const custom = fields.map((field): Column => {
    const declared = columns[field] as CustomColumn
    const column = declared.column ?? field
    return {
      field,
      column,
      quoted: quote(column),
      type: declared.type,
      toSql: declared.toSql ?? identity,
      fromSql: declared.fromSql ?? identity
    }
  })
  return {
    kind,
    schema: options.schema,
    userName,
    oauthName,
    tokenName,
    user: qualify(userName),
    oauth: qualify(oauthName),
    token: qualify(tokenName),
    idPrimaryType: kind === "integer" ? "SERIAL" : kind === "uuid" ? "UUID" : "VARCHAR(24)",
    idType: kind === "integer" ? "INTEGER" : kind === "uuid" ? "UUID" : "VARCHAR(24)",
    oauthIdPrimaryType: kind === "integer" ? "SERIAL" : "UUID",
    idCast: kind === "integer" ? "::int4" : kind === "uuid" ? "::uuid" : "::varchar",
    indexes: {
      email: indexName(`ix_${userName}_email`),
      emailLower: indexName(`uq_${userName}_email_lower`),
      legacyLowerEmail: indexName(`uq_${userName}_lower_email`),
      oauthAccount: indexName(`uq_${oauthName}_oauth_name_account_id`),
      oauthUser: indexName(`ix_${oauthName}_user_id`),
      oauthName: indexName(`ix_${oauthName}_oauth_name`),
      oauthAccountId: indexName(`ix_${oauthName}_account_id`),
      tokenCreatedAt: indexName(`ix_${tokenName}_created_at`)
    },
    custom
  }
}
