/**
 * The password policy port (FastAPI Users' `validate_password`).
 *
 * @since 0.0.0
 */
import { Context, Effect, Layer } from "effect"
import * as CommonPasswords from "./internal/commonPasswords.ts"
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

/**
 * The options of {@link layerNist}.
 *
 * @since 0.0.0
 * @category models
 */
export interface NistOptions {
  /**
   * Whether the password is the account's only authentication factor (`true` by default): NIST SP 800-63B-4 then
   * asks for at least 15 characters, 8 otherwise.
   */
  readonly singleFactor?: boolean
  /** Passwords refused besides the shipped common ones, compared ignoring case (e.g. the service's own name). */
  readonly blocklist?: Iterable<string>
  /** Leave out the shipped common-password list (`false` by default). */
  readonly withoutCommonPasswords?: boolean
}

/**
 * NIST SP 800-63B-4's password rules: a minimum length (15 characters when the password is the only factor, else
 * 8), counted in Unicode code points; no composition rules (no required digits, symbols or cases); refused when it is
 * a common password (the shipped list: the 17,950 passwords of at least 8 characters of zxcvbn-ts' common list,
 * frequency-ranked from public breaches), one of `blocklist`, or the user's e-mail address or its local part. The
 * maximum is core's `User.Password` (4096 characters). Refusals are `InvalidPassword` with a reason the client sees.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerNist = (options: NistOptions = {}): Layer.Layer<PasswordPolicy> =>
  Layer.sync(PasswordPolicy, () => {
    const minimum = options.singleFactor === false ? 8 : 15
    const refused = new Set<string>(options.withoutCommonPasswords === true ? [] : CommonPasswords.text.split("\n"))
    for (const entry of options.blocklist ?? []) refused.add(entry.toLowerCase())
    const tooShort = new InvalidPassword({ reason: `Password should be at least ${minimum} characters` })
    const common = new InvalidPassword({ reason: "Password is too common" })
    const personal = new InvalidPassword({ reason: "Password should not be the e-mail address" })
    return {
      validate: (password, user) => {
        if ([...password].length < minimum) return Effect.fail(tooShort)
        const lower = password.toLowerCase()
        if (refused.has(lower)) return Effect.fail(common)
        const email = user.email.toLowerCase()
        if (lower === email || lower === email.slice(0, email.lastIndexOf("@"))) return Effect.fail(personal)
        return Effect.void
      }
    }
  })
