import type { Id, RegisteredModel } from "@effect-users/core/User"
import { Duration } from "effect"
import type { Collection, Db, Document } from "mongodb"
import { MongoServerError, ObjectId } from "mongodb"
import type { Options } from "../MongoCollections.ts"
import { defaults } from "../MongoCollections.ts"

/** Everything the repositories need, resolved once from the options, the database and the user model. */
/** A user id as stored: an ObjectId (`UserId.objectId`), a string (`UserId.uuid`) or a number (`UserId.integer`). */
export type DbId = ObjectId | string | number

/** A user document. */
export interface UserDocument extends Document {
  _id: DbId
}

export interface Store {
  readonly kind: "uuid" | "integer" | "objectId"
  readonly users: Collection<UserDocument>
  readonly tokens: Collection<Document>
  readonly links: Collection<Document>
  readonly counters: Collection<{ _id: string; seq: number }>
  readonly claims: Collection<{ _id: string; created_at: Date }>
  readonly timeout: Duration.Duration
  /** The user id as stored in `_id` / `user_id`; `undefined` when it cannot be one (no such user). */
  readonly toDb: (id: Id) => DbId | undefined
  readonly fromDb: (value: unknown) => Id
  readonly customFields: ReadonlyArray<string>
}

const OBJECT_ID = /^[0-9a-f]{24}$/u

export const makeStore = (db: Db, model: RegisteredModel, options: Options = {}): Store => {
  const kind = model.id._tag
  return {
    kind,
    users: db.collection<UserDocument>(options.user ?? defaults.user),
    tokens: db.collection(options.accessToken ?? defaults.accessToken),
    links: db.collection(options.oauthAccountLink ?? defaults.oauthAccountLink),
    counters: db.collection<{ _id: string; seq: number }>(options.counter ?? defaults.counter),
    claims: db.collection<{ _id: string; created_at: Date }>(
      options.passwordReplacement ?? defaults.passwordReplacement
    ),
    timeout: Duration.fromInputUnsafe(options.timeout ?? Duration.seconds(1)),
    toDb: (id) => {
      if (kind === "objectId") {
        return typeof id === "string" && OBJECT_ID.test(id) ? ObjectId.createFromHexString(id) : undefined
      }
      return typeof id === "string" || typeof id === "number" ? id : undefined
    },
    fromDb: (value) => (value instanceof ObjectId ? value.toHexString() : value) as Id,
    customFields: Object.keys(model.fields)
  }
}

/**
 * A duplicate key error: code 11000, or FerretDB 1.x's answer to an update that violates a unique index (an
 * `InternalError`, code 1, carrying PostgreSQL's unique violation, SQLSTATE 23505).
 */
export const isDuplicateKey = (error: unknown): error is MongoServerError =>
  error instanceof MongoServerError &&
  (error.code === 11000 || (error.code === 1 && error.errmsg?.includes("(SQLSTATE 23505)") === true))

/**
 * Whether a duplicate key error is on `_id` (real MongoDB names the key in `keyPattern`; FerretDB 1.x names no index,
 * so there the collection decides).
 */
export const isIdDuplicate = (error: MongoServerError): boolean => {
  const pattern: unknown = error.keyPattern
  return typeof pattern === "object" && pattern !== null && "_id" in pattern
}
