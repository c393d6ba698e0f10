/**
 * FastAPI Users' wire error codes (its `ErrorCode` enum), the `detail` strings of its 400 answers.
 *
 * @since 0.0.0
 */

/**
 * FastAPI Users' `ErrorCode` enum: each value equals its name.
 *
 * @since 0.0.0
 * @category constants
 */
export const ErrorCode = {
  REGISTER_INVALID_PASSWORD: "REGISTER_INVALID_PASSWORD",
  REGISTER_USER_ALREADY_EXISTS: "REGISTER_USER_ALREADY_EXISTS",
  OAUTH_NOT_AVAILABLE_EMAIL: "OAUTH_NOT_AVAILABLE_EMAIL",
  OAUTH_USER_ALREADY_EXISTS: "OAUTH_USER_ALREADY_EXISTS",
  OAUTH_INVALID_STATE: "OAUTH_INVALID_STATE",
  LOGIN_BAD_CREDENTIALS: "LOGIN_BAD_CREDENTIALS",
  LOGIN_USER_NOT_VERIFIED: "LOGIN_USER_NOT_VERIFIED",
  RESET_PASSWORD_BAD_TOKEN: "RESET_PASSWORD_BAD_TOKEN",
  RESET_PASSWORD_INVALID_PASSWORD: "RESET_PASSWORD_INVALID_PASSWORD",
  VERIFY_USER_BAD_TOKEN: "VERIFY_USER_BAD_TOKEN",
  VERIFY_USER_ALREADY_VERIFIED: "VERIFY_USER_ALREADY_VERIFIED",
  UPDATE_USER_EMAIL_ALREADY_EXISTS: "UPDATE_USER_EMAIL_ALREADY_EXISTS",
  UPDATE_USER_INVALID_PASSWORD: "UPDATE_USER_INVALID_PASSWORD",
  ACCESS_TOKEN_ALREADY_EXPIRED: "ACCESS_TOKEN_ALREADY_EXPIRED",
  ACCESS_TOKEN_DECODE_ERROR: "ACCESS_TOKEN_DECODE_ERROR"
} as const

/**
 * One of FastAPI Users' error codes.
 *
 * @since 0.0.0
 * @category models
 */
export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode]

/**
 * The `detail` of an infrastructure failure (database, Redis, hasher, mailer, identity provider): a 503.
 *
 * @since 0.0.0
 * @category constants
 */
export const SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
