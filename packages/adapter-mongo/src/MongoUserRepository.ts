/**
 * core's `UserRepository` on the official `mongodb` driver, with FastAPI Users' Beanie document layout
 * : OAuth accounts embedded in the user document.
 *
 * @since 0.0.0
 */
import * as Email from "@effect-users/core/Email"
import { bounded } from "@effect-users/core/TimeLimit"
import type { Id, OAuthAccount, User, UserPatch } from "@effect-users/core/User"
import { baseStoredFields, oauthAccountFields, UserModel } from "@effect-users/core/User"
import { OAuthAccountAlreadyLinked, UserAlreadyExists } from "@effect-users/core/UserError"
import * as UserId from "@effect-users/core/UserId"
import { UserRepository, UserRepositoryError } from "@effect-users/core/UserRepository"
import type { OAuthAccountCreate } from "@effect-users/core/UserRepository"
import { Cause, Clock, Duration, Effect, Layer, Option } from "effect"
import type { Document } from "mongodb"
import { ObjectId } from "mongodb"
import { createHash } from "node:crypto"
import { call, DriverError } from "./internal/driver.ts"
import type { DbId, UserDocument } from "./internal/store.ts"
import { isDuplicateKey, isIdDuplicate, makeStore } from "./internal/store.ts"
import type * as MongoCollections from "./MongoCollections.ts"
import { MongoDatabase } from "./MongoDatabase.ts"

/**
 * Collection names and the time limit of one call (shared with `MongoAccessTokenRepository` and `MongoIndexes`).
 *
 * @since 0.0.0
 * @category models
 */
export type Options = MongoCollections.Options

const BASE_FIELDS = baseStoredFields
const OAUTH_FIELDS = oauthAccountFields

/** The normalised e-mail the unique index and the lookup use: core's case-insensitive key. */
const emailKey = Email.key

/** A password replacement claim older than this was left by a process that died mid-replacement. */
const STALE_CLAIM_MILLIS = 60_000

/** Integer ids drawn before a creation gives up (each collision is a concurrent creation that won the id). */
const ID_ATTEMPTS = 20

/** How long a link waits before trying to take a user's claim again. */
const CLAIM_RETRY = Duration.millis(5)

const missingUser = new Error("the user does not exist (deleted meanwhile?)")

/**
 * Builds the repository on the application's database; the indexes must exist (`MongoIndexes`).
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<UserRepository["Service"], never, MongoDatabase | UserModel> =>
  Effect.gen(function*() {
    const model = yield* UserModel
    const { db } = yield* MongoDatabase
    const store = makeStore(db, model, options)
    const { links, tokens, users } = store
    const customFields = store.customFields

    const failure = (method: string, cause: unknown) => new UserRepositoryError({ method, cause })
    const guard = <A, E>(
      method: string,
      effect: Effect.Effect<A, E | DriverError>
    ): Effect.Effect<A, Exclude<E, DriverError> | UserRepositoryError> =>
      Effect.catch(
        bounded(store.timeout, "the database")(effect),
        (error): Effect.Effect<never, Exclude<E, DriverError> | UserRepositoryError> => {
          if (error instanceof DriverError) return Effect.fail(failure(method, error.cause))
          if (Cause.isTimeoutError(error)) return Effect.fail(failure(method, error))
          return Effect.fail(error as Exclude<E, DriverError>)
        }
      )

    const toAccount = (element: Document): OAuthAccount => ({
      id: element.id instanceof ObjectId ? element.id.toHexString() : String(element.id),
      oauth_name: element.oauth_name,
      access_token: element.access_token,
      expires_at: element.expires_at ?? null,
      refresh_token: element.refresh_token ?? null,
      account_id: element.account_id,
      account_email: element.account_email
    })
    const toUser = (doc: Document): User => {
      const custom: Record<string, unknown> = {}
      for (const field of customFields) custom[field] = doc[field]
      const accounts: ReadonlyArray<Document> = Array.isArray(doc.oauth_accounts) ? doc.oauth_accounts : []
      return {
        ...custom,
        id: store.fromDb(doc._id),
        email: doc.email,
        hashed_password: doc.hashed_password,
        is_active: doc.is_active,
        is_superuser: doc.is_superuser,
        is_verified: doc.is_verified,
        oauth_accounts: accounts.map(toAccount)
      } as User
    }
    const found = (doc: Document | null): Option.Option<User> => doc === null ? Option.none() : Option.some(toUser(doc))
    const findById = (dbId: DbId) => call(() => users.findOne({ _id: dbId }))
    const stored = (method: string, dbId: DbId) =>
      Effect.flatMap(
        findById(dbId),
        (doc) => (doc === null ? Effect.fail(failure(method, missingUser)) : Effect.succeed(toUser(doc)))
      )
    const updated = (method: string, filter: Document, update: Document) =>
      Effect.flatMap(
        call(() => users.findOneAndUpdate(filter, update, { returnDocument: "after" })),
        (doc) => (doc === null ? Effect.fail(failure(method, missingUser)) : Effect.succeed(toUser(doc)))
      )
    /** The id as stored; a string that cannot be one (a malformed ObjectId) is a missing user. */
    const dbIdOf = (method: string, id: Id) => {
      const dbId = store.toDb(id)
      return dbId === undefined ? Effect.fail(failure(method, missingUser)) : Effect.succeed(dbId)
    }
    const writable = (patch: Record<string, unknown>): Document => {
      const fields: Document = {}
      for (const field of [...BASE_FIELDS, ...customFields]) {
        if (patch[field] !== undefined) fields[field] = patch[field]
      }
      if (typeof fields.email === "string") fields.email_lower = emailKey(fields.email)
      return fields
    }
    const duplicateEmail = (method: string) => (error: DriverError) =>
      Effect.fail(
        isDuplicateKey(error.cause) && !isIdDuplicate(error.cause)
          ? new UserAlreadyExists()
          : failure(method, error.cause)
      )
    const nextId: Effect.Effect<DbId, DriverError> = Option.match(model.id.generate, {
      onSome: (generate) =>
        Effect.flatMap(generate, (id) => {
          const dbId = store.toDb(id)
          return dbId === undefined
            ? Effect.fail(new DriverError({ cause: new Error("the model generated an invalid id") }))
            : Effect.succeed(dbId)
        }),
      onNone: () =>
        Effect.flatMap(
          call(() =>
            store.counters.findOneAndUpdate({ _id: "user" }, { $inc: { seq: 1 } }, {
              upsert: true,
              returnDocument: "after"
            })
          ).pipe(
            // two first creations both upsert the counter: the loser's insert is a duplicate, and it then exists
            Effect.retry({ times: 3, while: (error) => isDuplicateKey(error.cause) })
          ),
          (doc) =>
            typeof doc?.seq === "number"
              ? Effect.succeed(doc.seq)
              : Effect.fail(new DriverError({ cause: new Error("the id counter returned no number") }))
        )
    })
    const newAccountId = Effect.map(
      Option.getOrThrow(UserId.objectId.generate),
      (hex) => ObjectId.createFromHexString(hex)
    )
    const holds = (doc: Document | null, oauthName: string, accountId: string): boolean =>
      doc !== null && Array.isArray(doc.oauth_accounts) &&
      doc.oauth_accounts.some((a: Document) => a.oauth_name === oauthName && a.account_id === accountId)
    const setElement = (index: number, fields: Record<string, unknown>): Document => {
      const set: Document = {}
      for (const field of OAUTH_FIELDS) {
        if (fields[field] !== undefined) set[`oauth_accounts.${index}.${field}`] = fields[field]
      }
      return set
    }
    /** Rewrites one embedded account in place (by position, guarded by its id) and returns the stored user. */
    const rewrite = (method: string, dbId: DbId, doc: Document, index: number, fields: Record<string, unknown>) => {
      const elementId = (doc.oauth_accounts as Array<Document>)[index]?.id
      const set = setElement(index, fields)
      return Object.keys(set).length === 0
        ? Effect.succeed(toUser(doc))
        : updated(method, { _id: dbId, [`oauth_accounts.${index}.id`]: elementId }, { $set: set })
    }

    // FerretDB 1.x applies a conditional update as a read, a test in its own process and a whole-document write by
    // `_id` (README, "What FerretDB guarantees"): two concurrent changes of one user's accounts can both pass their
    // condition, and the later write drops the other's element. Only a unique index is atomic there, so a user's links
    // are changed one at a time across processes under a claim document whose unique `_id` admits one holder, and so
    // is every other write of an existing user document (which would otherwise drop or be dropped by a link).
    const linkClaim = (id: User["id"]) => `user:${model.id.format(id)}`
    const acquireLinkClaim = (id: User["id"]): Effect.Effect<string, DriverError> =>
      Effect.gen(function*() {
        const claim = linkClaim(id)
        while (true) {
          const now = yield* Clock.currentTimeMillis
          const taken = yield* call(() => store.claims.insertOne({ _id: claim, created_at: new Date(now) })).pipe(
            Effect.as(true),
            Effect.catchIf((error) => isDuplicateKey(error.cause), () => Effect.succeed(false))
          )
          if (taken) return claim
          // A claim older than a minute was left by a process that died holding it.
          yield* call(() =>
            store.claims.deleteOne({ _id: claim, created_at: { $lt: new Date(now - STALE_CLAIM_MILLIS) } })
          )
          yield* Effect.sleep(CLAIM_RETRY)
        }
      })
    const serialised = <A, E, R>(id: User["id"], effect: Effect.Effect<A, E, R>) =>
      Effect.acquireUseRelease(
        acquireLinkClaim(id),
        () => effect,
        (claim) => Effect.ignore(call(() => store.claims.deleteOne({ _id: claim })))
      )

    /**
     * Reserves the pair for the user in the link collection, whose unique index decides between users: `true` when
     * this call inserted it, `false` when the user already held it.
     */
    const reserve = (dbId: DbId, key: { oauth_name: string; account_id: string }) =>
      Effect.gen(function*() {
        for (let attempt = 0; attempt < 3; attempt++) {
          const inserted = yield* call(() => links.insertOne({ ...key, user_id: dbId })).pipe(
            Effect.as(true),
            Effect.catchTag(
              "DriverError",
              (error) =>
                isDuplicateKey(error.cause) && !isIdDuplicate(error.cause) ? Effect.succeed(false) : Effect.fail(error)
            )
          )
          if (inserted) return true
          const existing = yield* call(() => links.findOne(key))
          if (existing === null) continue
          const owner: DbId = existing.user_id
          if (sameId(owner, dbId)) return false
          // A link of a deleted user (its delete stopped before removing the link) is removed and reserved anew, so
          // that the unique index, not a conditional update, picks one of several users taking it over; a live
          // owner keeps it.
          const ownerDoc = yield* findById(owner)
          if (ownerDoc !== null) return yield* new OAuthAccountAlreadyLinked()
          yield* call(() => links.deleteOne({ _id: existing._id, user_id: owner }))
        }
        return yield* new OAuthAccountAlreadyLinked()
      })

    const link = (user: User, account: OAuthAccountCreate) =>
      Effect.gen(function*() {
        const dbId = yield* dbIdOf("addOAuthAccount", user.id)
        const key = { oauth_name: account.oauth_name, account_id: account.account_id }
        const reserved = yield* reserve(dbId, key)
        // Under the claim nobody else changes the accounts; the push is also conditional on the array being as read
        // (no element at its current length), which real MongoDB applies atomically.
        for (let attempt = 0; attempt < 5; attempt++) {
          const doc = yield* findById(dbId)
          if (doc === null) {
            if (reserved) yield* call(() => links.deleteOne({ ...key, user_id: dbId })).pipe(Effect.ignore)
            return yield* failure("addOAuthAccount", missingUser)
          }
          const accounts: Array<Document> = Array.isArray(doc.oauth_accounts) ? doc.oauth_accounts : []
          const index = accounts.findIndex((a) =>
            a.oauth_name === account.oauth_name && a.account_id === account.account_id
          )
          if (index >= 0) return yield* rewrite("addOAuthAccount", dbId, doc, index, account)
          const element: Document = { id: yield* newAccountId }
          for (const field of OAUTH_FIELDS) element[field] = account[field] ?? null
          const push: Document = { $push: { oauth_accounts: element } }
          const pushed = yield* call(() =>
            users.findOneAndUpdate(
              { _id: dbId, [`oauth_accounts.${accounts.length}`]: { $exists: false } },
              push,
              { returnDocument: "after" }
            )
          )
          if (pushed !== null) return toUser(pushed)
        }
        return yield* failure("addOAuthAccount", new Error("the user's OAuth accounts kept changing meanwhile"))
      })

    return UserRepository.of({
      get: (id) => {
        const dbId = store.toDb(id)
        return dbId === undefined ? Effect.succeedNone : guard("get", Effect.map(findById(dbId), found))
      },
      // FerretDB stores documents in PostgreSQL, whose text refuses NUL: no stored document can match such a key.
      getByEmail: (email) =>
        hasNul(email)
          ? Effect.succeedNone
          : guard("getByEmail", Effect.map(call(() => users.findOne({ email_lower: emailKey(email) })), found)),
      getByOAuthAccount: (oauthName, accountId) =>
        hasNul(oauthName) || hasNul(accountId) ? Effect.succeedNone : guard(
          "getByOAuthAccount",
          Effect.gen(function*() {
            // FerretDB 1.x refuses `$elemMatch` on sub-documents: the link collection finds the owner, and the
            // account must be in the owner's own array (one element matching both fields).
            const existing = yield* call(() => links.findOne({ oauth_name: oauthName, account_id: accountId }))
            if (existing === null) return Option.none<User>()
            const owner: DbId = existing.user_id
            const doc = yield* findById(owner)
            return holds(doc, oauthName, accountId) ? found(doc) : Option.none<User>()
          })
        ),
      create: (insert) =>
        guard(
          "create",
          Effect.gen(function*() {
            const fields = writable(insert as Record<string, unknown>)
            for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
              const doc: UserDocument = { _id: yield* nextId, ...fields, oauth_accounts: [] }
              const inserted = yield* call(() => users.insertOne(doc)).pipe(
                Effect.as(true),
                Effect.catchTag("DriverError", (error) => {
                  // FerretDB 1.x applies the counter's `$inc` as read + write, so two creations can draw one
                  // integer id; its duplicate-key error names no key, so the address decides: free, it was the id.
                  if (store.kind !== "integer" || !isDuplicateKey(error.cause)) return duplicateEmail("create")(error)
                  return call(() => users.findOne({ email_lower: fields.email_lower }, { projection: { _id: 1 } }))
                    .pipe(
                      Effect.mapError((lookup) => failure("create", lookup.cause)),
                      Effect.flatMap((holder) =>
                        holder === null ? Effect.succeed(false) : Effect.fail(new UserAlreadyExists())
                      )
                    )
                })
              )
              if (inserted) return toUser(doc)
            }
            return yield* failure("create", new Error("no free integer id after several attempts"))
          })
        ),
      update: (user, patch: UserPatch) =>
        guard(
          "update",
          Effect.gen(function*() {
            const dbId = yield* dbIdOf("update", user.id)
            const set = writable(patch as Record<string, unknown>)
            if (Object.keys(set).length === 0) return yield* stored("update", dbId)
            return yield* serialised(
              user.id,
              updated("update", { _id: dbId }, { $set: set }).pipe(
                Effect.catchTag("DriverError", duplicateEmail("update"))
              )
            )
          })
        ),
      replaceHashedPassword: (user, expected, replacement) =>
        guard(
          "replaceHashedPassword",
          Effect.gen(function*() {
            const dbId = store.toDb(user.id)
            if (dbId === undefined) return Option.none<User>()
            // The claim's unique `_id` admits one replacement of this hash at a time (FerretDB does not apply a
            // conditional update atomically); it is removed once the update is done, when the hash has changed.
            const claim = `${model.id.format(user.id)}:${createHash("sha256").update(expected).digest("base64url")}`
            const now = yield* Clock.currentTimeMillis
            const claimed = yield* call(() => store.claims.insertOne({ _id: claim, created_at: new Date(now) })).pipe(
              Effect.as(true),
              Effect.catchIf((error) => isDuplicateKey(error.cause), () => Effect.succeed(false))
            )
            if (!claimed) {
              // Someone else is replacing this hash; a claim older than a minute was left by a dead process.
              yield* call(() =>
                store.claims.deleteOne({ _id: claim, created_at: { $lt: new Date(now - STALE_CLAIM_MILLIS) } })
              )
              return Option.none<User>()
            }
            const doc = yield* serialised(
              user.id,
              call(() =>
                users.findOneAndUpdate({ _id: dbId, hashed_password: expected }, {
                  $set: { hashed_password: replacement }
                }, { returnDocument: "after" })
              )
            ).pipe(Effect.ensuring(Effect.ignore(call(() => store.claims.deleteOne({ _id: claim })))))
            return doc === null ? Option.none<User>() : Option.some(toUser(doc))
          })
        ),
      delete: (user) =>
        guard(
          "delete",
          Effect.gen(function*() {
            const dbId = store.toDb(user.id)
            if (dbId === undefined) return
            // No foreign keys in MongoDB: the user first (its links and tokens are then unusable), then the rest.
            yield* call(() => users.deleteOne({ _id: dbId }))
            yield* call(() => links.deleteMany({ user_id: dbId }))
            yield* call(() => tokens.deleteMany({ user_id: dbId }))
          })
        ),
      addOAuthAccount: (user, account) => guard("addOAuthAccount", serialised(user.id, link(user, account))),
      updateOAuthAccount: (user, account, patch) =>
        guard(
          "updateOAuthAccount",
          serialised(
            user.id,
            Effect.gen(function*() {
              const dbId = yield* dbIdOf("updateOAuthAccount", user.id)
              const doc = yield* findById(dbId)
              if (doc === null) return yield* failure("updateOAuthAccount", missingUser)
              const accounts: Array<Document> = Array.isArray(doc.oauth_accounts) ? doc.oauth_accounts : []
              const index = accounts.findIndex((a) => toAccount(a).id === account.id)
              if (index < 0) return toUser(doc)
              return yield* rewrite("updateOAuthAccount", dbId, doc, index, patch)
            })
          )
        )
    })
  })

const hasNul = (value: string): boolean => value.includes("\u0000")

const sameId = (a: unknown, b: unknown): boolean =>
  a instanceof ObjectId && b instanceof ObjectId ? a.equals(b) : a === b

/**
 * The repository as a layer: provides core's `UserRepository`, requires the application's `MongoDatabase` and
 * `UserModel`.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<UserRepository, never, MongoDatabase | UserModel> => Layer.effect(UserRepository, make(options))
