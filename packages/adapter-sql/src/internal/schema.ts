import type { Layout } from "./layout.ts"
import { EMAIL_KEY_COLUMN, quote } from "./layout.ts"

/** FastAPI Users' three tables and their indexes, each created only when missing. */
export const referenceTables = (l: Layout): ReadonlyArray<string> => [
  `CREATE TABLE IF NOT EXISTS ${l.user} (
  id ${l.idPrimaryType} NOT NULL,
  email VARCHAR(320) NOT NULL,
  hashed_password VARCHAR(1024) NOT NULL,
  is_active BOOLEAN NOT NULL,
  is_superuser BOOLEAN NOT NULL,
  is_verified BOOLEAN NOT NULL,${l.custom.map((c) => `\n  ${c.quoted} ${c.type},`).join("")}
  PRIMARY KEY (id)
)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS ${quote(l.indexes.email)} ON ${l.user} (email)`,
  `CREATE TABLE IF NOT EXISTS ${l.oauth} (
  id ${l.oauthIdPrimaryType} NOT NULL,
  oauth_name VARCHAR(100) NOT NULL,
  access_token VARCHAR(1024) NOT NULL,
  expires_at INTEGER,
  refresh_token VARCHAR(1024),
  account_id VARCHAR(320) NOT NULL,
  account_email VARCHAR(320) NOT NULL,
  user_id ${l.idType} NOT NULL,
  PRIMARY KEY (id),
  FOREIGN KEY (user_id) REFERENCES ${l.user} (id) ON DELETE CASCADE
)`,
  `CREATE INDEX IF NOT EXISTS ${quote(l.indexes.oauthName)} ON ${l.oauth} (oauth_name)`,
  `CREATE INDEX IF NOT EXISTS ${quote(l.indexes.oauthAccountId)} ON ${l.oauth} (account_id)`,
  `CREATE TABLE IF NOT EXISTS ${l.token} (
  token VARCHAR(43) NOT NULL,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL,
  user_id ${l.idType} NOT NULL,
  PRIMARY KEY (token),
  FOREIGN KEY (user_id) REFERENCES ${l.user} (id) ON DELETE CASCADE
)`,
  `CREATE INDEX IF NOT EXISTS ${quote(l.indexes.tokenCreatedAt)} ON ${l.token} (created_at)`
]

/** The application's custom-field columns: not versioned (they follow its model), ensured on every run. */
export const customColumns = (l: Layout): ReadonlyArray<string> =>
  l.custom.map((c) => `ALTER TABLE ${l.user} ADD COLUMN IF NOT EXISTS ${c.quoted} ${c.type}`)

const qualifiedIndex = (l: Layout, name: string): string =>
  l.schema === undefined ? quote(name) : `${quote(l.schema)}.${quote(name)}`

export const addKeyColumn = (l: Layout): string =>
  `ALTER TABLE ${l.user} ADD COLUMN IF NOT EXISTS ${EMAIL_KEY_COLUMN} VARCHAR(320)`

/**
 * After the key column exists and the backfill has filled it with core's key (the migrations compute it; SQL run by
 * hand falls back to the database's `lower`, the same for ASCII addresses): the rest of the adoption.
 */
export const adoptionTail = (l: Layout): ReadonlyArray<string> => [
  `UPDATE ${l.user} SET ${EMAIL_KEY_COLUMN} = lower(email) WHERE ${EMAIL_KEY_COLUMN} IS NULL`,
  `ALTER TABLE ${l.user} ALTER COLUMN ${EMAIL_KEY_COLUMN} SET NOT NULL`,
  `CREATE UNIQUE INDEX IF NOT EXISTS ${quote(l.indexes.emailLower)} ON ${l.user} (${EMAIL_KEY_COLUMN})`,
  // effect-users' earlier index on lower(email), whose meaning depended on the database's locale.
  `DROP INDEX IF EXISTS ${qualifiedIndex(l, l.indexes.legacyLowerEmail)}`,
  `CREATE UNIQUE INDEX IF NOT EXISTS ${quote(l.indexes.oauthAccount)} ON ${l.oauth} (oauth_name, account_id)`,
  `CREATE INDEX IF NOT EXISTS ${quote(l.indexes.oauthUser)} ON ${l.oauth} (user_id)`
]

/** How the dry run shows the backfill, which runs in the application (core's `Email.key` is not SQL). */
export const backfillComment = (l: Layout): string =>
  `-- then, for every row of ${l.user} whose ${EMAIL_KEY_COLUMN} is NULL: SET ${EMAIL_KEY_COLUMN} = core's Email.key(email)`

/** The advisory lock key: the same as before versioning, so an older runner and a newer one also serialise. */
export const lockKey = (l: Layout): string => `effect-users:${l.user}:${l.oauth}:${l.token}`
