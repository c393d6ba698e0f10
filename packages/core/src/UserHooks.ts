/**
 * The nine FastAPI Users lifecycle hooks, all no-ops by default.
 *
 * @since 0.0.0
 */
import { Context, Effect, Layer } from "effect"
import type { User, UserUpdate } from "./User.ts"

/**
 * Lifecycle hooks. They run after the operation they follow has been stored (`onBeforeDelete` before the delete);
 * a hook's failure is the application's to handle: hooks cannot fail. `onAfterRequestVerify` and
 * `onAfterForgotPassword` run in the background (`DeliveryQueue`, after the mailer), once the manager has answered.
 *
 * @since 0.0.0
 * @category services
 */
export class UserHooks extends Context.Service<UserHooks, {
  readonly onAfterRegister: (user: User) => Effect.Effect<void>
  /** `update` holds the fields as sent (plain password included, before hashing). */
  readonly onAfterUpdate: (user: User, update: UserUpdate) => Effect.Effect<void>
  readonly onAfterRequestVerify: (user: User, token: string) => Effect.Effect<void>
  readonly onAfterVerify: (user: User) => Effect.Effect<void>
  readonly onAfterForgotPassword: (user: User, token: string) => Effect.Effect<void>
  readonly onAfterResetPassword: (user: User) => Effect.Effect<void>
  readonly onBeforeDelete: (user: User) => Effect.Effect<void>
  readonly onAfterDelete: (user: User) => Effect.Effect<void>
  readonly onAfterLogin: (user: User) => Effect.Effect<void>
}>()("@effect-users/core/UserHooks") {}

/**
 * Hooks that do nothing.
 *
 * @since 0.0.0
 * @category constructors
 */
export const noop: UserHooks["Service"] = {
  onAfterRegister: () => Effect.void,
  onAfterUpdate: () => Effect.void,
  onAfterRequestVerify: () => Effect.void,
  onAfterVerify: () => Effect.void,
  onAfterForgotPassword: () => Effect.void,
  onAfterResetPassword: () => Effect.void,
  onBeforeDelete: () => Effect.void,
  onAfterDelete: () => Effect.void,
  onAfterLogin: () => Effect.void
}

/**
 * Hooks that do nothing (the default).
 *
 * @since 0.0.0
 * @category layers
 */
export const layer: Layer.Layer<UserHooks> = Layer.succeed(UserHooks, noop)

/**
 * Provides the given hooks; the ones left out do nothing.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerWith = (hooks: Partial<UserHooks["Service"]>): Layer.Layer<UserHooks> =>
  Layer.succeed(UserHooks, { ...noop, ...hooks })
