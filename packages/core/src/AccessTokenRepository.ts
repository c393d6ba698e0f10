/**
 * The access-token storage port behind database sessions (FastAPI Users' `AccessTokenDatabase`).
 *
 * @since 0.0.0
 */
import { Context, DateTime, Effect, Layer, Option, Schema } from "effect"
import { NodeInspectSymbol } from "effect/Inspectable"
import * as Infrastructure from "./Infrastructure.ts"
import { layerMemoryLinks, MemoryLinks } from "./internal/memoryLinks.ts"
import { summarize } from "./internal/summary.ts"
import { UserModel } from "./User.ts"
import type { Id } from "./User.ts"

/**
 * The storage failed (connection lost, timeout, unexpected driver error): a 503 at the HTTP layer.
 *
 * @since 0.0.0
 * @category errors
 */
export class AccessTokenRepositoryError
  extends Schema.TaggedError<AccessTokenRepositoryError>()("AccessTokenRepositoryError", {
    method: Schema.String,
    cause: Schema.Defect()
  })
{
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
 * A stored access token. `token` is whatever the strategy stores (effect-users' strategies store a digest of the
 * token, never the token itself).
 *
 * @since 0.0.0
 * @category models
 */
export interface AccessToken {
  readonly token: string
  readonly user_id: Id
  readonly created_at: DateTime.Utc
}

/**
 * Stores access tokens.
 *
 * Contract (pinned by `@effect-users/testing`'s `AccessTokenRepositoryConformance`):
 * - `getByToken(token, notBefore)` finds the record whose `token` is exactly `token` and, when `notBefore` is
 *   given, whose `created_at` is at or after it; otherwise `Option.none()`, never a failure;
 * - `created_at` is the value given to `create` (the strategy takes it from `Clock`), stored with at least
 *   millisecond precision;
 * - `delete` of an unknown token succeeds; `deleteAllForUser` removes every token of the user and returns how many;
 * - deleting the user deletes its tokens (in stores with foreign keys);
 * - any other failure is an `AccessTokenRepositoryError`.
 *
 * @since 0.0.0
 * @category services
 */
export class AccessTokenRepository extends Context.Service<AccessTokenRepository, {
  readonly getByToken: (
    token: string,
    notBefore: Option.Option<DateTime.Utc>
  ) => Effect.Effect<Option.Option<AccessToken>, AccessTokenRepositoryError>
  readonly create: (token: AccessToken) => Effect.Effect<AccessToken, AccessTokenRepositoryError>
  readonly delete: (token: string) => Effect.Effect<void, AccessTokenRepositoryError>
  readonly deleteAllForUser: (userId: Id) => Effect.Effect<number, AccessTokenRepositoryError>
}>()("@effect-users/core/AccessTokenRepository") {}

/**
 * An in-memory access-token store: the reference implementation of the contract.
 *
 * @since 0.0.0
 * @category constructors
 */
export const makeMemory: Effect.Effect<AccessTokenRepository["Service"], never, UserModel> = Effect.gen(function*() {
  const model = yield* UserModel
  const tokens = new Map<string, AccessToken>()
  const removeAll = (owner: string): number => {
    let removed = 0
    for (const [token, record] of tokens) {
      if (model.id.format(record.user_id) === owner) {
        tokens.delete(token)
        removed++
      }
    }
    return removed
  }
  const links = yield* Effect.serviceOption(MemoryLinks)
  if (Option.isSome(links)) links.value.onUserDeleted.add((owner) => void removeAll(owner))
  return AccessTokenRepository.of({
    getByToken: (token, notBefore) =>
      Effect.sync(() =>
        Option.fromNullishOr(tokens.get(token)).pipe(
          Option.filter((record) =>
            Option.match(notBefore, {
              onNone: () => true,
              onSome: (limit) => DateTime.isGreaterThanOrEqualTo(record.created_at, limit)
            })
          )
        )
      ),
    create: (record) =>
      Effect.sync(() => {
        tokens.set(record.token, record)
        return record
      }),
    delete: (token) => Effect.sync(() => void tokens.delete(token)),
    deleteAllForUser: (userId) => Effect.sync(() => removeAll(model.id.format(userId)))
  })
})

/**
 * The in-memory access-token store as a layer. Built together with `UserRepository.layerMemory`, it drops the tokens
 * of a deleted user.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerMemory: Layer.Layer<AccessTokenRepository, never, UserModel> = Layer.effect(
  AccessTokenRepository,
  makeMemory
).pipe(Layer.provide(layerMemoryLinks))
