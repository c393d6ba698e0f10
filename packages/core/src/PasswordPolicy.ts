/**
 * The password policy port (FastAPI Users' `validate_password`).
 *
 * @since 0.0.0
 */
import { Context, Effect, Layer } from "effect"
import type { User, UserCreate } from "./User.ts"
import { InvalidPassword } from "./UserError.ts"

/**
 * Validates a password for a user being created (`UserCreate`) or an existing one (`User`); a refusal is an
 * `InvalidPassword` whose `reason` the client sees. Not called for OAuth-created users.
 *
 * @since 0.0.0
 * @category services
 */
export class PasswordPolicy extends Context.Service<PasswordPolicy, {
  readonly validate: (password: string, user: UserCreate | User) => Effect.Effect<void, InvalidPassword>
}>()("@effect-users/core/PasswordPolicy") {}

/**
 * Accepts every password, as FastAPI Users' default.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer: Layer.Layer<PasswordPolicy> = Layer.succeed(PasswordPolicy, { validate: () => Effect.void })

/**
 * Refuses passwords shorter than `length` characters with FastAPI Users' reference reason.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerMinLength = (length: number): Layer.Layer<PasswordPolicy> =>
  Layer.succeed(PasswordPolicy, {
    validate: (password) =>
      [...password].length < length
        ? Effect.fail(new InvalidPassword({ reason: `Password should be at least ${length} characters` }))
        : Effect.void
  })
