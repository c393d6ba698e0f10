/**
 * The user storage port (FastAPI Users' `BaseUserDatabase`, OAuth accounts included).
 *
 * @since 0.0.0
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { NodeInspectSymbol } from "effect/Inspectable"
import * as Infrastructure from "./Infrastructure.ts"
import { emailKey } from "./internal/email.ts"
import { layerMemoryLinks, MemoryLinks } from "./internal/memoryLinks.ts"
import { summarize } from "./internal/summary.ts"
import { UserModel } from "./User.ts"
import type { Id, OAuthAccount, User, UserInsert, UserPatch } from "./User.ts"
import { UserAlreadyExists } from "./UserError.ts"
import { OAuthAccountAlreadyLinked } from "./UserError.ts"

/**
 * The storage failed (connection lost, timeout, unexpected driver error): a 503 at the HTTP layer. Adapters
 * classify driver errors themselves; nothing else leaks.
 *
 * @since 0.0.0
 * @category errors
 */
export class UserRepositoryError extends Schema.TaggedError<UserRepositoryError>()("UserRepositoryError", {
  method: Schema.String,
  cause: Schema.Defect()
}) {
  /** Marks the error as infrastructure: a 503 at the HTTP layer. */
  readonly [Infrastructure.TypeId] = Infrastructure.TypeId

  /** The method and what went wrong, on one line. */
  override get message(): string {
    return `${this.method}: ${summarize(this.cause)}`
  }

  /** One line when logged (a 503 logs one line, not the driver's nested cause). */
  override [NodeInspectSymbol](): string {
    return `${this._tag}: ${this.message}`
  }
}

/**
 * The fields of an OAuth account to link (the store assigns its `id`).
 *
 * @since 0.0.0
 * @category models
 */
export type OAuthAccountCreate = Omit<OAuthAccount, "id">

/**
 * Stores users and their OAuth accounts.
 *
 * Contract (pinned by `@effect-users/testing`'s `UserRepositoryConformance`):
 * - e-mail lookups are case-insensitive, and uniqueness of the e-mail is case-insensitive and enforced by the
 *   store itself: of N concurrent `create`s of one address (in any case variants) exactly one succeeds, the others
 *   fail with `UserAlreadyExists`; an `update` to an address another user holds fails the same way;
 * - the stored e-mail keeps the case it was given;
 * - an unknown id, e-mail or OAuth account is `Option.none()`, never a failure;
 * - one OAuth link per (`oauth_name`, `account_id`): `addOAuthAccount` for a pair linked to another user fails
 *   with `OAuthAccountAlreadyLinked`, for a pair already linked to the same user it updates that link;
 * - every returned user carries its OAuth accounts in insertion order;
 * - `update` and the OAuth operations return the user as stored after the write;
 * - `replaceHashedPassword` is a compare-and-set: of N concurrent replacements expecting the same hash exactly one
 *   is applied, the others (and any after the hash changed another way, or after the user was deleted) are
 *   `Option.none()`; this is what makes a reset token single-use;
 * - deleting a user deletes its OAuth accounts and access tokens;
 * - any other failure is a `UserRepositoryError`.
 *
 * @since 0.0.0
 * @category services
 */
export class UserRepository extends Context.Service<UserRepository, {
  readonly get: (id: Id) => Effect.Effect<Option.Option<User>, UserRepositoryError>
  readonly getByEmail: (email: string) => Effect.Effect<Option.Option<User>, UserRepositoryError>
  readonly getByOAuthAccount: (
    oauthName: string,
    accountId: string
  ) => Effect.Effect<Option.Option<User>, UserRepositoryError>
  readonly create: (user: UserInsert) => Effect.Effect<User, UserAlreadyExists | UserRepositoryError>
  readonly update: (user: User, patch: UserPatch) => Effect.Effect<User, UserAlreadyExists | UserRepositoryError>
  /**
   * Sets the user's `hashed_password` to `replacement` only if it is still `expected`, in one atomic step; the user
   * as stored after the write, or `None` when the stored hash was no longer `expected` (or the user is gone).
   */
  readonly replaceHashedPassword: (
    user: User,
    expected: string,
    replacement: string
  ) => Effect.Effect<Option.Option<User>, UserRepositoryError>
  readonly delete: (user: User) => Effect.Effect<void, UserRepositoryError>
  readonly addOAuthAccount: (
    user: User,
    account: OAuthAccountCreate
  ) => Effect.Effect<User, OAuthAccountAlreadyLinked | UserRepositoryError>
  readonly updateOAuthAccount: (
    user: User,
    account: OAuthAccount,
    patch: Partial<OAuthAccountCreate>
  ) => Effect.Effect<User, UserRepositoryError>
}>()("@effect-users/core/UserRepository") {}

/**
 * An in-memory repository: the reference implementation of the contract, for tests and examples.
 *
 * @since 0.0.0
 * @category constructors
 */
export const makeMemory: Effect.Effect<UserRepository["Service"], never, UserModel> = Effect.gen(function*() {
  const model = yield* UserModel
  const links = yield* Effect.serviceOption(MemoryLinks)
  const users = new Map<string, User>()
  const byEmail = new Map<string, string>()
  let serial = 0
  let oauthSerial = 0
  const keyOf = (id: Id): string => model.id.format(id)
  const nextId: Effect.Effect<Id> = Option.match(model.id.generate, {
    onNone: () =>
      Effect.suspend(() =>
        Option.match(model.id.parse(++serial), {
          onNone: () => Effect.die(new Error("the model's id kind neither generates ids nor parses integers")),
          onSome: Effect.succeed
        })
      ),
    onSome: (generate) => generate
  })
  const store = (user: User): User => {
    users.set(keyOf(user.id), user)
    return user
  }
  // A write to a user that is not (or no longer) stored fails, as the database adapters do, instead of recreating it.
  const missing = (method: string) =>
    Effect.fail(new UserRepositoryError({ method, cause: new Error("the user does not exist (deleted meanwhile?)") }))
  return UserRepository.of({
    get: (id) => Effect.sync(() => Option.fromNullishOr(users.get(keyOf(id)))),
    getByEmail: (email) =>
      Effect.sync(() =>
        Option.fromNullishOr(byEmail.get(emailKey(email))).pipe(
          Option.flatMap((key) => Option.fromNullishOr(users.get(key)))
        )
      ),
    getByOAuthAccount: (oauthName, accountId) =>
      Effect.sync(() => {
        for (const user of users.values()) {
          if (user.oauth_accounts.some((a) => a.oauth_name === oauthName && a.account_id === accountId)) {
            return Option.some(user)
          }
        }
        return Option.none()
      }),
    create: (insert) =>
      Effect.flatMap(nextId, (id) =>
        Effect.suspend(() => {
          const email = emailKey(insert.email)
          if (byEmail.has(email)) return Effect.fail(new UserAlreadyExists())
          const user = { ...insert, id, oauth_accounts: [] } as User
          byEmail.set(email, keyOf(id))
          return Effect.succeed(store(user))
        })),
    update: (user, patch) =>
      Effect.suspend((): Effect.Effect<User, UserAlreadyExists | UserRepositoryError> => {
        const key = keyOf(user.id)
        const current = users.get(key)
        if (current === undefined) return missing("update")
        if (patch.email !== undefined) {
          const owner = byEmail.get(emailKey(patch.email))
          if (owner !== undefined && owner !== key) return Effect.fail(new UserAlreadyExists())
          byEmail.delete(emailKey(current.email))
          byEmail.set(emailKey(patch.email), key)
        }
        return Effect.succeed(store({ ...current, ...patch } as User))
      }),
    replaceHashedPassword: (user, expected, replacement) =>
      Effect.sync(() => {
        const current = users.get(keyOf(user.id))
        if (current === undefined || current.hashed_password !== expected) return Option.none()
        return Option.some(store({ ...current, hashed_password: replacement }))
      }),
    delete: (user) =>
      Effect.sync(() => {
        const key = keyOf(user.id)
        const current = users.get(key)
        if (current === undefined) return
        byEmail.delete(emailKey(current.email))
        users.delete(key)
        if (Option.isSome(links)) {
          for (const listener of links.value.onUserDeleted) listener(key)
        }
      }),
    addOAuthAccount: (user, account) =>
      Effect.suspend((): Effect.Effect<User, OAuthAccountAlreadyLinked | UserRepositoryError> => {
        const key = keyOf(user.id)
        const current = users.get(key)
        if (current === undefined) return missing("addOAuthAccount")
        for (const other of users.values()) {
          if (keyOf(other.id) === key) continue
          if (
            other.oauth_accounts.some((a) => a.oauth_name === account.oauth_name && a.account_id === account.account_id)
          ) {
            return Effect.fail(new OAuthAccountAlreadyLinked())
          }
        }
        const existing = current.oauth_accounts.find((a) =>
          a.oauth_name === account.oauth_name && a.account_id === account.account_id
        )
        const accounts = existing === undefined
          ? [...current.oauth_accounts, { ...account, id: `oauth-${++oauthSerial}` }]
          : current.oauth_accounts.map((a) => (a === existing ? { ...a, ...account } : a))
        return Effect.succeed(store({ ...current, oauth_accounts: accounts }))
      }),
    updateOAuthAccount: (user, account, patch) =>
      Effect.suspend(() => {
        const current = users.get(keyOf(user.id))
        if (current === undefined) return missing("updateOAuthAccount")
        const accounts = current.oauth_accounts.map((a) => (a.id === account.id ? { ...a, ...patch } : a))
        return Effect.succeed(store({ ...current, oauth_accounts: accounts }))
      })
  })
})

/**
 * The in-memory repository as a layer (requires the `UserModel`). Built together with
 * `AccessTokenRepository.layerMemory`, deleting a user deletes its access tokens.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerMemory: Layer.Layer<UserRepository, never, UserModel> = Layer.effect(UserRepository, makeMemory)
  .pipe(Layer.provide(layerMemoryLinks))
