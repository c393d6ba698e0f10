/**
 * The one-time migration that carries database sessions stored by FastAPI Users over to `DbStrategy`: FastAPI Users
 * stores each token itself in `accesstoken.token`, effect-users stores only its SHA-256 digest (difference Q15 in
 * docs/moving-from-fastapi-users.md), so every stored token is replaced by its digest and the tokens the clients hold keep working.
 *
 * @since 0.0.0
 */
import * as Token from "./internal/token.ts"

/**
 * What `DbStrategy` stores for a token: its SHA-256 digest (of the UTF-8 bytes), URL-safe base64 without padding,
 * 43 characters. Use it to migrate row by row in a store that cannot compute SHA-256 itself (SQLite, MongoDB...).
 *
 * @since 0.0.0
 * @category constructors
 */
export const digest = (token: string): string => Token.digest(token)

/**
 * Where FastAPI Users' access tokens live: the table (`accesstoken` by default, FastAPI Users' name), an optional
 * schema, and the token column (`token`).
 *
 * @since 0.0.0
 * @category models
 */
export interface TableOptions {
  readonly table?: string | undefined
  readonly schema?: string | undefined
  readonly column?: string | undefined
}

const quote = (identifier: string): string => `"${identifier.replaceAll("\"", "\"\"")}"`

/**
 * The PostgreSQL statement (11 or later; PGlite too) that replaces every stored token by its digest, in place:
 *
 * ```sql
 * UPDATE "accesstoken" SET "token" = rtrim(translate(encode(sha256(convert_to("token", 'UTF8')), 'base64'), '+/', '-_'), '=')
 * ```
 *
 * Run it exactly once, when switching from FastAPI Users, before the first effect-users process serves requests:
 * a digest and a token look alike (43 base64url characters), so nothing tells a migrated row from a raw one, and a
 * second run would digest the digests, which logs every user out (it fails safe: no session is handed out). The
 * statement is a single `UPDATE`, atomic on its own; identifiers are quoted.
 *
 * @since 0.0.0
 * @category constructors
 */
export const postgresql = (options: TableOptions = {}): string => {
  const table = (options.schema === undefined ? "" : `${quote(options.schema)}.`) +
    quote(options.table ?? "accesstoken")
  const column = quote(options.column ?? "token")
  return `UPDATE ${table} SET ${column} = ` +
    `rtrim(translate(encode(sha256(convert_to(${column}, 'UTF8')), 'base64'), '+/', '-_'), '=')`
}
