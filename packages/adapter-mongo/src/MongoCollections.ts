/**
 * The options the repositories and `MongoIndexes` share: collection names and the time limit of one call.
 *
 * @since 0.0.0
 */
import type { Duration } from "effect"

/**
 * Collection names (defaults as FastAPI Users' Beanie documents `User` and `AccessToken`) and the time limit.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  /** The user documents (default `User`, the Beanie document class name). */
  readonly user?: string
  /** The access-token documents (default `AccessToken`). */
  readonly accessToken?: string
  /**
   * effect-users' addition: one document per linked provider account, `{ oauth_name, account_id, user_id }` with a
   * unique index, enforcing one link per provider account (default `OAuthAccountLink`).
   */
  readonly oauthAccountLink?: string
  /** effect-users' addition: the sequence of integer user ids (`UserId.integer` only; default `Counter`). */
  readonly counter?: string
  /**
   * effect-users' addition: short-lived claims, unique by `_id` (default `PasswordReplacement`): `<user id>:<hash
   * digest>` serialises `replaceHashedPassword` on one (user, hash) pair, `user:<user id>` the writes of one user
   * document (updates and OAuth account changes) across processes; one left behind by a process that died holding it
   * is removed a minute later. A conditional update alone is not atomic on FerretDB (a read, then a whole-document
   * write): concurrent ones expecting one hash were applied 2 to 7 times out of 20.
   */
  readonly passwordReplacement?: string
  /**
   * Beyond this a call fails with the port's error (a 503) instead of waiting on an unresponsive server (default
   * 1 second, so that a frozen server is detected that fast).
   */
  readonly timeout?: Duration.Input
}

/**
 * The default collection names.
 *
 * @since 0.0.0
 * @category constants
 */
export const defaults = {
  user: "User",
  accessToken: "AccessToken",
  oauthAccountLink: "OAuthAccountLink",
  counter: "Counter",
  passwordReplacement: "PasswordReplacement"
} as const

/**
 * The index names `MongoIndexes` creates.
 *
 * @since 0.0.0
 * @category constants
 */
export const indexes = {
  /** Unique on `User.email_lower` (case-insensitive uniqueness, difference Q13 in docs/moving-from-fastapi-users.md). */
  emailLower: "email_lower_unique",
  /** Unique on `OAuthAccountLink.(oauth_name, account_id)` (one link per provider account, difference Q7). */
  oauthAccount: "oauth_name_account_id_unique",
  /** On `OAuthAccountLink.user_id` (deleting a user's links). */
  oauthUser: "user_id",
  /** Unique on `AccessToken.token`, as Beanie's. */
  token: "token_unique",
  /** On `AccessToken.user_id` (deleting a user's tokens). */
  tokenUser: "user_id"
} as const
