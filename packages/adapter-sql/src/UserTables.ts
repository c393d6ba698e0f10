/**
 * Where the users, OAuth accounts and access tokens live: the table names (FastAPI Users' `user`, `oauth_account`
 * and `accesstoken` by default), an optional PostgreSQL schema, and the columns of the application's custom user
 * fields.
 *
 * @since 0.0.0
 */

/**
 * The column of one custom user field: its name (the field's name by default), its SQL type as the migration
 * declares it, and conversions when the driver's value is not the field's value.
 *
 * @since 0.0.0
 * @category models
 */
export interface CustomColumn {
  /** The column name; the field name when absent. */
  readonly column?: string
  /**
   * The column definition the migration uses (`CREATE TABLE` and `ADD COLUMN IF NOT EXISTS`), e.g.
   * `"VARCHAR(100) NOT NULL DEFAULT ''"` or `"DATE"`.
   */
  readonly type: string
  /** The value written for a field value (identity when absent). */
  readonly toSql?: (value: unknown) => unknown
  /** The field value for a value read (identity when absent). */
  readonly fromSql?: (value: unknown) => unknown
}

/**
 * Table names and custom columns, shared by the repositories and the migrations.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  /** The PostgreSQL schema holding the tables (the connection's `search_path` when absent). */
  readonly schema?: string
  /** The users table (default `user`). */
  readonly user?: string
  /** The OAuth accounts table (default `oauth_account`). */
  readonly oauthAccount?: string
  /** The access tokens table (default `accesstoken`). */
  readonly accessToken?: string
  /** One entry per custom field of the user model, keyed by field name. */
  readonly columns?: Readonly<Record<string, CustomColumn>>
}

/**
 * FastAPI Users' table names.
 *
 * @since 0.0.0
 * @category constructors
 */
export const defaults = {
  user: "user",
  oauthAccount: "oauth_account",
  accessToken: "accesstoken"
} as const
