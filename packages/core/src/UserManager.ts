/**
 * The user manager: every user operation of FastAPI Users' `BaseUserManager` (FASTAPI_USERS.md §10), written once
 * against the ports.
 *
 * @since 0.0.0
 */
import type { Effect, Option } from "effect"
import { Context } from "effect"
import type { PasswordHasherError } from "./PasswordHasher.ts"
import type { Id, User, UserCreate, UserUpdate } from "./User.ts"
import type {
  InvalidID,
  InvalidPassword,
  InvalidResetPasswordToken,
  InvalidVerifyToken,
  OAuthAccountAlreadyLinked,
  UserAlreadyExists,
  UserAlreadyVerified,
  UserInactive,
  UserNotExists
} from "./UserError.ts"
import type { UserRepositoryError } from "./UserRepository.ts"

/**
 * What an OAuth provider told us about the account (FASTAPI_USERS.md §7.4).
 *
 * @since 0.0.0
 * @category models
 */
export interface OAuthCallback {
  readonly oauthName: string
  readonly accessToken: string
  readonly accountId: string
  readonly accountEmail: string
  readonly expiresAt: number | null
  readonly refreshToken: string | null
}

/**
 * Options of `create` and `update`: `safe` (the register and `PATCH /me` routes) drops `id`, `is_active`,
 * `is_superuser`, `is_verified` and `oauth_accounts` from the input.
 *
 * @since 0.0.0
 * @category models
 */
export interface WriteOptions {
  readonly safe?: boolean
}

/**
 * The user manager.
 *
 * @since 0.0.0
 * @category services
 */
export class UserManager extends Context.Service<UserManager, {
  /** Parses an id of the model's kind (`InvalidID` otherwise). */
  readonly parseId: (input: unknown) => Effect.Effect<Id, InvalidID>
  readonly get: (id: Id) => Effect.Effect<User, UserNotExists | UserRepositoryError>
  readonly getByEmail: (email: string) => Effect.Effect<User, UserNotExists | UserRepositoryError>
  readonly getByOAuthAccount: (
    oauthName: string,
    accountId: string
  ) => Effect.Effect<User, UserNotExists | UserRepositoryError>
  /** §10.2: validate the password, refuse a taken e-mail, hash, store, `onAfterRegister`. */
  readonly create: (
    user: UserCreate,
    options?: WriteOptions
  ) => Effect.Effect<User, InvalidPassword | UserAlreadyExists | UserRepositoryError | PasswordHasherError>
  /**
   * §10.3: the user whose password matches, or `None`; hashes even for an unknown e-mail (timing) and stores an
   * upgraded hash. Does not check `is_active` (the login route does, after the password).
   */
  readonly authenticate: (credentials: {
    readonly username: string
    readonly password: string
  }) => Effect.Effect<Option.Option<User>, UserRepositoryError | PasswordHasherError>
  /** §10.6: issues a verification token to an active unverified user (mailer, then `onAfterRequestVerify`). */
  readonly requestVerify: (user: User) => Effect.Effect<void, UserInactive | UserAlreadyVerified>
  /** §10.6: verifies the user a verification token names. */
  readonly verify: (
    token: string
  ) => Effect.Effect<User, InvalidVerifyToken | UserAlreadyVerified | UserRepositoryError>
  /** §10.7: issues a reset-password token to an active user (mailer, then `onAfterForgotPassword`). */
  readonly forgotPassword: (user: User) => Effect.Effect<void, UserInactive>
  /** §10.7: sets a new password with a reset token; any password change since the token was issued voids it. */
  readonly resetPassword: (
    token: string,
    password: string
  ) => Effect.Effect<
    User,
    | InvalidResetPasswordToken
    | UserNotExists
    | UserInactive
    | InvalidPassword
    | UserAlreadyExists
    | UserRepositoryError
    | PasswordHasherError
  >
  /** §10.4 and §14 Q1: applies the keys present, then `onAfterUpdate` with the update as sent. */
  readonly update: (
    update: UserUpdate,
    user: User,
    options?: WriteOptions
  ) => Effect.Effect<User, InvalidPassword | UserAlreadyExists | UserRepositoryError | PasswordHasherError>
  /** §10.5: `onBeforeDelete`, delete, `onAfterDelete`. */
  readonly delete: (user: User) => Effect.Effect<void, UserRepositoryError>
  /** §7.4 and §14 Q7: finds, links or creates the user of a provider account. */
  readonly oauthCallback: (
    callback: OAuthCallback,
    options?: { readonly associateByEmail?: boolean; readonly isVerifiedByDefault?: boolean }
  ) => Effect.Effect<
    User,
    OAuthAccountAlreadyLinked | UserAlreadyExists | UserRepositoryError | PasswordHasherError
  >
  /** §3.7 and §14 Q7: links a provider account to `user`, then `onAfterUpdate(user, {})`. */
  readonly oauthAssociateCallback: (
    user: User,
    callback: OAuthCallback
  ) => Effect.Effect<User, OAuthAccountAlreadyLinked | UserRepositoryError>
}>()("@effect-users/core/UserManager") {}
