/**
 * The domain errors, named one-to-one after FastAPI Users' exceptions (`fastapi_users/exceptions.py`). A `_tag`
 * is public API; wire codes and HTTP statuses belong to transport-http.
 *
 * @since 0.0.0
 */
import { Schema } from "effect"

/**
 * A user with this e-mail address (compared case-insensitively) already exists.
 *
 * @since 0.0.0
 * @category errors
 */
export class UserAlreadyExists extends Schema.TaggedError<UserAlreadyExists>()("UserAlreadyExists", {}) {}

/**
 * No user matches the lookup.
 *
 * @since 0.0.0
 * @category errors
 */
export class UserNotExists extends Schema.TaggedError<UserNotExists>()("UserNotExists", {}) {}

/**
 * The user is inactive.
 *
 * @since 0.0.0
 * @category errors
 */
export class UserInactive extends Schema.TaggedError<UserInactive>()("UserInactive", {}) {}

/**
 * The user is already verified.
 *
 * @since 0.0.0
 * @category errors
 */
export class UserAlreadyVerified extends Schema.TaggedError<UserAlreadyVerified>()("UserAlreadyVerified", {}) {}

/**
 * The password policy refused a password; `reason` is echoed to the client as `detail.reason`.
 *
 * @since 0.0.0
 * @category errors
 */
export class InvalidPassword extends Schema.TaggedError<InvalidPassword>()("InvalidPassword", {
  reason: Schema.Unknown
}) {}

/**
 * A verification token is invalid, expired, for another purpose, or does not match its user.
 *
 * @since 0.0.0
 * @category errors
 */
export class InvalidVerifyToken extends Schema.TaggedError<InvalidVerifyToken>()("InvalidVerifyToken", {}) {}

/**
 * A reset-password token is invalid, expired, for another purpose, or already used (the password changed since).
 *
 * @since 0.0.0
 * @category errors
 */
export class InvalidResetPasswordToken
  extends Schema.TaggedError<InvalidResetPasswordToken>()("InvalidResetPasswordToken", {})
{}

/**
 * A string is not a valid id for the model's id kind.
 *
 * @since 0.0.0
 * @category errors
 */
export class InvalidID extends Schema.TaggedError<InvalidID>()("InvalidID", {}) {}

/**
 * The provider account is already linked to another user, or the provider's e-mail belongs to a user that may not
 * be associated by e-mail (FastAPI Users' `UserAlreadyExists` in the OAuth flow).
 *
 * @since 0.0.0
 * @category errors
 */
export class OAuthAccountAlreadyLinked
  extends Schema.TaggedError<OAuthAccountAlreadyLinked>()("OAuthAccountAlreadyLinked", {})
{}

/**
 * A user to import was refused before anything was stored: its e-mail is not a valid address, or its password hash
 * is not one core's hashers can verify (`reason` says which and why).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidUserImport extends Schema.TaggedError<InvalidUserImport>()("InvalidUserImport", {
  field: Schema.Literals(["email", "hashed_password"]),
  reason: Schema.String
}) {}
