/**
 * The user manager: every user operation of FastAPI Users' `BaseUserManager`, written once
 * against the ports.
 *
 * @since 0.0.0
 */
import { Clock, Config, Context, DateTime, Duration, Effect, Layer, Metric, Option, Redacted } from "effect"
import type { Scope } from "effect"
import * as ActionToken from "./ActionToken.ts"
import * as DeliveryQueue from "./DeliveryQueue.ts"
import * as Email from "./Email.ts"
import { emailKey } from "./internal/email.ts"
import { Mailer } from "./Mailer.ts"
import {
  PasswordHasher,
  type PasswordHasherBusy,
  type PasswordHasherError,
  unverifiableHash
} from "./PasswordHasher.ts"
import { PasswordPolicy } from "./PasswordPolicy.ts"
import {
  type CustomFields,
  type Id,
  type User,
  type UserCreate,
  type UserInsert,
  UserModel,
  type UserPatch,
  type UserUpdate
} from "./User.ts"
import {
  InvalidID,
  type InvalidPassword,
  InvalidResetPasswordToken,
  InvalidUserImport,
  InvalidVerifyToken,
  OAuthAccountAlreadyLinked,
  UserAlreadyExists,
  UserAlreadyVerified,
  UserInactive,
  UserNotExists
} from "./UserError.ts"
import { UserHooks } from "./UserHooks.ts"
import * as UserMetrics from "./UserMetrics.ts"
import { UserRepository, type UserRepositoryError } from "./UserRepository.ts"

/**
 * What an OAuth provider told us about the account.
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
 * A user exported from another system: its e-mail, its existing password hash (an Argon2 PHC string or a bcrypt
 * hash, as FastAPI Users, Better Auth's Argon2/bcrypt setups and Auth0's exports hold them), its flags (active and
 * not verified nor superuser when absent) and the model's custom fields.
 *
 * @since 0.1.0
 * @category models
 */
export type UserImport =
  & {
    readonly email: string
    readonly hashed_password: string
    readonly is_active?: boolean
    readonly is_superuser?: boolean
    readonly is_verified?: boolean
  }
  & CustomFields

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
  /** Validates the password, refuses a taken e-mail, hashes, stores, then `onAfterRegister`. */
  readonly create: (
    user: UserCreate,
    options?: WriteOptions
  ) => Effect.Effect<
    User,
    InvalidPassword | UserAlreadyExists | UserRepositoryError | PasswordHasherError | PasswordHasherBusy
  >
  /**
   * Stores a user with an existing password hash, unchanged: the e-mail is normalised as registration does and the
   * hash must be one the hasher verifies (`InvalidUserImport` otherwise); the first login verifies it and stores a
   * current Argon2id hash when it is weaker (`authenticate`'s rehash). No hook runs: an import is not a registration.
   */
  readonly importUser: (
    user: UserImport
  ) => Effect.Effect<User, InvalidUserImport | UserAlreadyExists | UserRepositoryError>
  /**
   * The user whose password matches, or `None`; hashes even for an unknown e-mail (timing) and stores an
   * upgraded hash. Does not check `is_active` (the login route does, after the password).
   */
  readonly authenticate: (credentials: {
    readonly username: string
    readonly password: string
  }) => Effect.Effect<Option.Option<User>, UserRepositoryError | PasswordHasherError | PasswordHasherBusy>
  /**
   * Issues a verification token to an active unverified user. Only the checks run before it returns: the
   * token, the mailer and `onAfterRequestVerify` run in the background (`DeliveryQueue`), so that the answer takes
   * as long for an address that exists as for one that does not.
   */
  readonly requestVerify: (user: User) => Effect.Effect<void, UserInactive | UserAlreadyVerified>
  /** Verifies the user a verification token names. */
  readonly verify: (
    token: string
  ) => Effect.Effect<User, InvalidVerifyToken | UserAlreadyVerified | UserRepositoryError>
  /**
   * Issues a reset-password token to an active user. Only the check runs before it returns: the token, the
   * mailer and `onAfterForgotPassword` run in the background (`DeliveryQueue`), as for `requestVerify`.
   */
  readonly forgotPassword: (user: User) => Effect.Effect<void, UserInactive>
  /** Sets a new password with a reset token; any password change since the token was issued voids it. */
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
    | PasswordHasherBusy
  >
  /** Applies the keys present, then `onAfterUpdate` with the update as sent. */
  readonly update: (
    update: UserUpdate,
    user: User,
    options?: WriteOptions
  ) => Effect.Effect<
    User,
    InvalidPassword | UserAlreadyExists | UserRepositoryError | PasswordHasherError | PasswordHasherBusy
  >
  /** `onBeforeDelete`, delete, `onAfterDelete`. */
  readonly delete: (user: User) => Effect.Effect<void, UserRepositoryError>
  /** Finds, links or creates the user of a provider account. */
  readonly oauthCallback: (
    callback: OAuthCallback,
    options?: { readonly associateByEmail?: boolean; readonly isVerifiedByDefault?: boolean }
  ) => Effect.Effect<
    User,
    OAuthAccountAlreadyLinked | UserAlreadyExists | UserRepositoryError | PasswordHasherError | PasswordHasherBusy
  >
  /** Links a provider account to `user`, then `onAfterUpdate(user, {})`. */
  readonly oauthAssociateCallback: (
    user: User,
    callback: OAuthCallback
  ) => Effect.Effect<User, OAuthAccountAlreadyLinked | UserRepositoryError>
}>()("@effect-users/core/UserManager") {}

/**
 * The manager's configuration (FastAPI Users' `BaseUserManager` class attributes): the secrets of the verification
 * and reset-password tokens, their lifetimes (one hour by default) and audiences (`fastapi-users:verify`,
 * `fastapi-users:reset` by default).
 *
 * @since 0.0.0
 * @category models
 */
export interface UserManagerConfig {
  readonly verificationTokenSecret: Redacted.Redacted<string>
  readonly resetPasswordTokenSecret: Redacted.Redacted<string>
  readonly verificationTokenLifetime?: Duration.Input
  readonly resetPasswordTokenLifetime?: Duration.Input
  readonly verificationTokenAudience?: string
  readonly resetPasswordTokenAudience?: string
}

/**
 * The services the manager is written against.
 *
 * @since 0.0.0
 * @category models
 */
export type Requirements = UserRepository | PasswordHasher | PasswordPolicy | UserHooks | Mailer | UserModel

const DEFAULT_LIFETIME = Duration.seconds(3600)
const DEFAULT_VERIFY_AUDIENCE = "fastapi-users:verify"
const DEFAULT_RESET_AUDIENCE = "fastapi-users:reset"

// Keys never taken from an input: the store owns them (`hashed_password` only ever comes from the hasher).
const ALWAYS_DROPPED: ReadonlySet<string> = new Set(["id", "oauth_accounts", "hashed_password"])
// An import keeps its hash; the store still owns the id and the OAuth accounts.
const IMPORT_DROPPED: ReadonlySet<string> = new Set(["id", "oauth_accounts"])
// Safe mode (register, `PATCH /me`) also drops the flags.
const SAFE_DROPPED: ReadonlySet<string> = new Set([
  ...ALWAYS_DROPPED,
  "is_active",
  "is_superuser",
  "is_verified"
])

// A copy of `input` without the keys in `dropped` nor keys holding `undefined`: what the caller actually sent.
const sentFields = <A extends object>(input: A, dropped: ReadonlySet<string>): A => {
  const out: Partial<A> = {}
  for (const key of Object.keys(input) as Array<keyof A & string>) {
    if (!dropped.has(key) && input[key] !== undefined) out[key] = input[key]
  }
  return out as A
}

// The attributed counters, built once (metrics are recorded whether or not an exporter reads them).
const registeredWithPassword = Metric.withAttributes(UserMetrics.registrations, { method: "password" })
const registeredWithOAuth = Metric.withAttributes(UserMetrics.registrations, { method: "oauth" })
const verifyRequested = Metric.withAttributes(UserMetrics.verifications, { outcome: "requested" })
const verified = Metric.withAttributes(UserMetrics.verifications, { outcome: "success" })
const resetRequested = Metric.withAttributes(UserMetrics.passwordResets, { outcome: "requested" })
const reset = Metric.withAttributes(UserMetrics.passwordResets, { outcome: "success" })

// Counts an operation's success on `success` and each failure on `counter` under the error's tag (public API, never
// a value from the input).
const outcome =
  (counter: Metric.Counter<number>, success: Metric.Counter<number>) =>
  <A, E extends { readonly _tag: string }, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    self.pipe(
      Effect.tap(() => Metric.update(success, 1)),
      Effect.tapError((error) => UserMetrics.increment(counter, { outcome: "failure", reason: error._tag }))
    )

const expiresAt = (now: number, lifetime: Duration.Duration): number =>
  Math.floor((now + Duration.toMillis(lifetime)) / 1000)

/**
 * Builds the manager from its ports and configuration; the token keys are imported once, here. Messages go through
 * the `DeliveryQueue` provided, or else through one of default bounds living in the current scope.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (
  config: UserManagerConfig
): Effect.Effect<UserManager["Service"], never, Requirements | Scope.Scope> =>
  Effect.gen(function*() {
    const repository = yield* UserRepository
    const port = yield* PasswordHasher
    // every hash and verification is timed (UserMetrics.passwordHashDuration), whichever hasher is provided
    const hasher: PasswordHasher["Service"] = {
      ...port,
      hash: (password) => UserMetrics.timeHash("hash", port.hash(password)),
      verifyAndUpdate: (password, hash) => UserMetrics.timeHash("verify", port.verifyAndUpdate(password, hash))
    }
    const policy = yield* PasswordPolicy
    const hooks = yield* UserHooks
    const mailer = yield* Mailer
    const model = yield* UserModel
    const deliveries = yield* Effect.flatMap(
      Effect.serviceOption(DeliveryQueue.DeliveryQueue),
      Option.match({ onNone: () => DeliveryQueue.make(), onSome: Effect.succeed })
    )
    if (
      Redacted.value(config.verificationTokenSecret) === "" || Redacted.value(config.resetPasswordTokenSecret) === ""
    ) {
      return yield* Effect.die(
        new Error("UserManager: the verification and reset-password token secrets must not be empty")
      )
    }
    const verifyKey = yield* ActionToken.importKey(config.verificationTokenSecret)
    const resetKey = yield* ActionToken.importKey(config.resetPasswordTokenSecret)
    const verifyLifetime = Duration.fromInputUnsafe(config.verificationTokenLifetime ?? DEFAULT_LIFETIME)
    const resetLifetime = Duration.fromInputUnsafe(config.resetPasswordTokenLifetime ?? DEFAULT_LIFETIME)
    const verifyAudience = config.verificationTokenAudience ?? DEFAULT_VERIFY_AUDIENCE
    const resetAudience = config.resetPasswordTokenAudience ?? DEFAULT_RESET_AUDIENCE

    const formatId = (id: Id): string => model.id.format(id)
    const sameId = (a: Id, b: Id): boolean => formatId(a) === formatId(b)
    const found = <E>(lookup: Effect.Effect<Option.Option<User>, E>): Effect.Effect<User, E | UserNotExists> =>
      Effect.flatMap(
        lookup,
        (user) => Option.isSome(user) ? Effect.succeed(user.value) : Effect.fail(new UserNotExists())
      )
    // Writes that do not touch the e-mail cannot collide with another address.
    const store = (user: User, patch: UserPatch) =>
      repository.update(user, patch).pipe(Effect.catchTag("UserAlreadyExists", (error) => Effect.die(error)))
    const deliver = (send: Effect.Effect<void, unknown>, kind: string) =>
      Effect.catch(send, (error) => Effect.logError(`UserManager: the ${kind} message could not be sent`, error))

    const parseId = (input: unknown): Effect.Effect<Id, InvalidID> =>
      Option.match(model.id.parse(input), {
        onNone: () => Effect.fail(new InvalidID()),
        onSome: Effect.succeed
      })

    const create = Effect.fn("UserManager.create")(function*(input: UserCreate, options?: WriteOptions) {
      // Difference Q12 (docs/moving-from-fastapi-users.md): the password is validated before the duplicate check.
      yield* policy.validate(input.password, input)
      if (Option.isSome(yield* repository.getByEmail(input.email))) return yield* new UserAlreadyExists()
      const { password, ...fields } = sentFields(input, options?.safe === true ? SAFE_DROPPED : ALWAYS_DROPPED)
      const hashed_password = yield* hasher.hash(password)
      const insert: UserInsert = {
        is_active: true,
        is_superuser: false,
        is_verified: false,
        ...fields,
        hashed_password
      }
      const user = yield* repository.create(insert)
      yield* Metric.update(registeredWithPassword, 1)
      yield* hooks.onAfterRegister(user)
      return user
    })

    const importUser = Effect.fn("UserManager.importUser")(function*(input: UserImport) {
      const email = Email.normalize(input.email)
      if (email === undefined) {
        return yield* new InvalidUserImport({ field: "email", reason: "not a valid e-mail address" })
      }
      const problem = unverifiableHash(input.hashed_password)
      if (Option.isSome(problem)) {
        return yield* new InvalidUserImport({ field: "hashed_password", reason: problem.value })
      }
      if (Option.isSome(yield* repository.getByEmail(email))) return yield* new UserAlreadyExists()
      const { hashed_password, ...fields } = sentFields(input, IMPORT_DROPPED)
      const insert: UserInsert = {
        is_active: true,
        is_superuser: false,
        is_verified: false,
        ...fields,
        email,
        hashed_password
      }
      return yield* repository.create(insert)
    })

    const authenticate = Effect.fn("UserManager.authenticate")(function*(credentials: {
      readonly username: string
      readonly password: string
    }) {
      const user = yield* repository.getByEmail(credentials.username)
      if (Option.isNone(user)) {
        // Same cost as a real verification, so that the answer time does not tell whether the address exists.
        yield* hasher.hash(credentials.password)
        return Option.none<User>()
      }
      const verification = yield* hasher.verifyAndUpdate(credentials.password, user.value.hashed_password)
      if (!verification.verified) return Option.none<User>()
      if (Option.isNone(verification.updatedHash)) return user
      // The upgrade must not undo a password change made since the hash was read (a reset, say).
      const upgraded = yield* repository.replaceHashedPassword(
        user.value,
        user.value.hashed_password,
        verification.updatedHash.value
      )
      return Option.some(Option.getOrElse(upgraded, () => user.value))
    })

    // FastAPI Users' `_update`: applies the keys as sent, in schema order (password, e-mail, then the rest, so an
    // explicit `is_verified` wins over the reset an e-mail change implies).
    const applyUpdate = Effect.fnUntraced(function*(user: User, sent: UserUpdate) {
      const patch: Record<string, unknown> = {}
      if (sent.password !== undefined && sent.password !== null) {
        yield* policy.validate(sent.password, user)
        patch.hashed_password = yield* hasher.hash(sent.password)
      }
      if (sent.email !== undefined && sent.email !== user.email) {
        const owner = yield* repository.getByEmail(sent.email)
        // Difference Q1 (docs/moving-from-fastapi-users.md): the caller's own record is not a conflict (a change of case only).
        if (Option.isSome(owner) && !sameId(owner.value.id, user.id)) return yield* new UserAlreadyExists()
        patch.email = sent.email
        if (emailKey(sent.email) !== emailKey(user.email)) patch.is_verified = false
      }
      for (const key of Object.keys(sent)) {
        if (key !== "password" && key !== "email") patch[key] = sent[key as keyof UserUpdate]
      }
      return yield* repository.update(user, patch)
    })

    const update = Effect.fn("UserManager.update")(function*(input: UserUpdate, user: User, options?: WriteOptions) {
      const sent = sentFields(input, options?.safe === true ? SAFE_DROPPED : ALWAYS_DROPPED)
      const updated = yield* applyUpdate(user, sent)
      yield* hooks.onAfterUpdate(updated, sent)
      return updated
    })

    const requestVerify = Effect.fn("UserManager.requestVerify")(function*(user: User) {
      if (!user.is_active) return yield* new UserInactive()
      if (user.is_verified) return yield* new UserAlreadyVerified()
      const now = yield* Clock.currentTimeMillis
      // Signing takes microseconds (synchronous HMAC); sending and the hook happen after the answer, whose time must
      // not tell that the address exists.
      const token = ActionToken.signSync(verifyKey, {
        sub: formatId(user.id),
        email: user.email,
        aud: verifyAudience,
        exp: expiresAt(now, verifyLifetime)
      })
      yield* deliveries.submit(
        "the verification message and onAfterRequestVerify",
        Effect.andThen(
          deliver(mailer.sendVerifyToken(user, token), "verification"),
          hooks.onAfterRequestVerify(user, token)
        )
      )
      yield* Metric.update(verifyRequested, 1)
    })

    const verify = Effect.fn("UserManager.verify")(function*(token: string) {
      const claims = yield* ActionToken.verify(verifyKey, token, verifyAudience, yield* DateTime.now)
      if (Option.isNone(claims)) return yield* new InvalidVerifyToken()
      const { email, sub } = claims.value
      if (typeof sub !== "string" || typeof email !== "string") return yield* new InvalidVerifyToken()
      const user = yield* repository.getByEmail(email)
      if (Option.isNone(user)) return yield* new InvalidVerifyToken()
      const id = model.id.parse(sub)
      if (Option.isNone(id) || !sameId(id.value, user.value.id)) return yield* new InvalidVerifyToken()
      if (user.value.is_verified) return yield* new UserAlreadyVerified()
      const updated = yield* store(user.value, { is_verified: true })
      yield* hooks.onAfterVerify(updated)
      return updated
    }, outcome(UserMetrics.verifications, verified))

    const forgotPassword = Effect.fn("UserManager.forgotPassword")(function*(user: User) {
      if (!user.is_active) return yield* new UserInactive()
      const now = yield* Clock.currentTimeMillis
      // As in requestVerify: microseconds here, the mailer and the hook after the answer.
      const token = ActionToken.signSync(resetKey, {
        sub: formatId(user.id),
        password_fgpt: ActionToken.fingerprintSync(resetKey, user.hashed_password),
        aud: resetAudience,
        exp: expiresAt(now, resetLifetime)
      })
      yield* deliveries.submit(
        "the reset-password message and onAfterForgotPassword",
        Effect.andThen(
          deliver(mailer.sendResetPasswordToken(user, token), "reset-password"),
          hooks.onAfterForgotPassword(user, token)
        )
      )
      yield* Metric.update(resetRequested, 1)
    })

    const resetPassword = Effect.fn("UserManager.resetPassword")(function*(token: string, password: string) {
      const claims = yield* ActionToken.verify(resetKey, token, resetAudience, yield* DateTime.now)
      if (Option.isNone(claims)) return yield* new InvalidResetPasswordToken()
      const { password_fgpt, sub } = claims.value
      if (typeof sub !== "string" || typeof password_fgpt !== "string") return yield* new InvalidResetPasswordToken()
      const id = model.id.parse(sub)
      if (Option.isNone(id)) return yield* new InvalidResetPasswordToken()
      const user = yield* found(repository.get(id.value))
      if (!(yield* ActionToken.matchesFingerprint(resetKey, password_fgpt, user.hashed_password))) {
        return yield* new InvalidResetPasswordToken()
      }
      if (!user.is_active) return yield* new UserInactive()
      yield* policy.validate(password, user)
      // Compare-and-set on the hash the token is bound to: of concurrent resets with one token exactly one is
      // applied; the others (and a reset racing another password change) find the hash changed: a spent token.
      const updated = yield* repository.replaceHashedPassword(user, user.hashed_password, yield* hasher.hash(password))
      if (Option.isNone(updated)) return yield* new InvalidResetPasswordToken()
      yield* hooks.onAfterResetPassword(updated.value)
      return updated.value
    }, outcome(UserMetrics.passwordResets, reset))

    const remove = Effect.fn("UserManager.delete")(function*(user: User) {
      yield* hooks.onBeforeDelete(user)
      yield* repository.delete(user)
      yield* hooks.onAfterDelete(user)
    })

    const accountOf = (callback: OAuthCallback) => ({
      oauth_name: callback.oauthName,
      access_token: callback.accessToken,
      account_id: callback.accountId,
      account_email: callback.accountEmail,
      expires_at: callback.expiresAt,
      refresh_token: callback.refreshToken
    })

    const oauthCallback = Effect.fn("UserManager.oauthCallback")(function*(
      callback: OAuthCallback,
      options?: { readonly associateByEmail?: boolean; readonly isVerifiedByDefault?: boolean }
    ) {
      const account = accountOf(callback)
      const linked = yield* repository.getByOAuthAccount(callback.oauthName, callback.accountId)
      if (Option.isSome(linked)) {
        // A known link: refresh every field of the link (absent values overwrite with null); no hook.
        let user = linked.value
        for (const existing of linked.value.oauth_accounts) {
          if (existing.oauth_name === callback.oauthName && existing.account_id === callback.accountId) {
            user = yield* repository.updateOAuthAccount(user, existing, account)
          }
        }
        return user
      }
      const owner = yield* repository.getByEmail(callback.accountEmail)
      if (Option.isSome(owner)) {
        if (options?.associateByEmail !== true) return yield* new OAuthAccountAlreadyLinked()
        return yield* repository.addOAuthAccount(owner.value, account)
      }
      // A new user: a random password nobody knows; the password policy does not apply.
      const insert = {
        email: callback.accountEmail,
        hashed_password: yield* hasher.hash(yield* hasher.generate),
        is_active: true,
        is_superuser: false,
        is_verified: options?.isVerifiedByDefault === true
      } as UserInsert
      const created = yield* repository.create(insert)
      const user = yield* repository.addOAuthAccount(created, account)
      yield* Metric.update(registeredWithOAuth, 1)
      yield* hooks.onAfterRegister(user)
      return user
    })

    const oauthAssociateCallback = Effect.fn("UserManager.oauthAssociateCallback")(function*(
      user: User,
      callback: OAuthCallback
    ) {
      // Difference Q7 (docs/moving-from-fastapi-users.md): the repository keeps one link per provider account (re-association updates it,
      // a link held by another user is refused).
      const updated = yield* repository.addOAuthAccount(user, accountOf(callback))
      yield* hooks.onAfterUpdate(updated, {})
      return updated
    })

    return UserManager.of({
      parseId,
      get: (id) => found(repository.get(id)),
      getByEmail: (email) => found(repository.getByEmail(email)),
      getByOAuthAccount: (oauthName, accountId) => found(repository.getByOAuthAccount(oauthName, accountId)),
      create,
      importUser,
      authenticate,
      requestVerify,
      verify,
      forgotPassword,
      resetPassword,
      update,
      delete: remove,
      oauthCallback,
      oauthAssociateCallback
    })
  })

/**
 * The manager as a layer.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (config: UserManagerConfig): Layer.Layer<UserManager, never, Requirements> =>
  Layer.effect(UserManager, make(config))

/**
 * The manager as a layer, its configuration read through `Config` (e.g. `Config.Redacted("VERIFY_SECRET")`).
 *
 * @since 0.0.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Wrap<UserManagerConfig>
): Layer.Layer<UserManager, Config.ConfigError, Requirements> =>
  Layer.effect(UserManager, Effect.flatMap(Config.unwrap(config), make))
