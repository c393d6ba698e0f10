/**
 * FastAPI Users' wire error codes and the one table from core's errors to an HTTP status and a `detail` body
 * (FASTAPI_USERS.md §2.2, §2.3 and §14 Q14).
 *
 * @since 0.0.0
 */
import { Effect, Schema } from "effect"
import { HttpServerResponse } from "effect/http"

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
 * The `detail` of an infrastructure failure (database, Redis, hasher): a 503.
 *
 * @since 0.0.0
 * @category constants
 */
export const SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"

/**
 * The operations whose domain errors map to different codes (FastAPI Users' routers).
 *
 * @since 0.0.0
 * @category models
 */
export type Operation = "login" | "register" | "verify" | "resetPassword" | "update" | "users" | "oauth"

/**
 * What a domain error becomes on the wire: a status, and either a bare code or a code with the error's `reason`.
 *
 * @since 0.0.0
 * @category models
 */
export interface WireError {
  readonly status: number
  readonly detail: string
  /** `{"detail": {"code", "reason"}}` with the error's `reason` instead of `{"detail": code}`. */
  readonly withReason?: boolean
}

/**
 * THE table: for each operation, each core domain error `_tag` it can fail with, its status and `detail`.
 * Infrastructure errors (`INFRASTRUCTURE_TAGS`) are a 503 everywhere and are not repeated here.
 *
 * @since 0.0.0
 * @category constants
 */
export const errorTable: { readonly [O in Operation]: { readonly [tag: string]: WireError } } = {
  login: {
    UserNotExists: { status: 400, detail: ErrorCode.LOGIN_BAD_CREDENTIALS },
    UserInactive: { status: 400, detail: ErrorCode.LOGIN_BAD_CREDENTIALS },
    // not a core error: the login route's own `requiresVerification` check
    UserNotVerified: { status: 400, detail: ErrorCode.LOGIN_USER_NOT_VERIFIED }
  },
  register: {
    InvalidPassword: { status: 400, detail: ErrorCode.REGISTER_INVALID_PASSWORD, withReason: true },
    UserAlreadyExists: { status: 400, detail: ErrorCode.REGISTER_USER_ALREADY_EXISTS }
  },
  verify: {
    InvalidVerifyToken: { status: 400, detail: ErrorCode.VERIFY_USER_BAD_TOKEN },
    UserNotExists: { status: 400, detail: ErrorCode.VERIFY_USER_BAD_TOKEN },
    InvalidID: { status: 400, detail: ErrorCode.VERIFY_USER_BAD_TOKEN },
    UserAlreadyVerified: { status: 400, detail: ErrorCode.VERIFY_USER_ALREADY_VERIFIED }
  },
  resetPassword: {
    InvalidResetPasswordToken: { status: 400, detail: ErrorCode.RESET_PASSWORD_BAD_TOKEN },
    UserNotExists: { status: 400, detail: ErrorCode.RESET_PASSWORD_BAD_TOKEN },
    UserInactive: { status: 400, detail: ErrorCode.RESET_PASSWORD_BAD_TOKEN },
    InvalidID: { status: 400, detail: ErrorCode.RESET_PASSWORD_BAD_TOKEN },
    UserAlreadyExists: { status: 400, detail: ErrorCode.RESET_PASSWORD_BAD_TOKEN },
    InvalidPassword: { status: 400, detail: ErrorCode.RESET_PASSWORD_INVALID_PASSWORD, withReason: true }
  },
  update: {
    UserAlreadyExists: { status: 400, detail: ErrorCode.UPDATE_USER_EMAIL_ALREADY_EXISTS },
    InvalidPassword: { status: 400, detail: ErrorCode.UPDATE_USER_INVALID_PASSWORD, withReason: true },
    UserNotExists: { status: 404, detail: "Not Found" },
    InvalidID: { status: 404, detail: "Not Found" }
  },
  users: {
    Unauthorized: { status: 401, detail: "Unauthorized" },
    Forbidden: { status: 403, detail: "Forbidden" },
    UserNotExists: { status: 404, detail: "Not Found" },
    InvalidID: { status: 404, detail: "Not Found" }
  },
  oauth: {
    OAuthAccountAlreadyLinked: { status: 400, detail: ErrorCode.OAUTH_USER_ALREADY_EXISTS },
    UserAlreadyExists: { status: 400, detail: ErrorCode.OAUTH_USER_ALREADY_EXISTS },
    UserInactive: { status: 400, detail: ErrorCode.LOGIN_BAD_CREDENTIALS }
  }
}

/**
 * The `_tag`s of the ports' infrastructure errors: each is a 503 `{"detail": "SERVICE_UNAVAILABLE"}` and an error
 * log line.
 *
 * @since 0.0.0
 * @category constants
 */
export const INFRASTRUCTURE_TAGS: ReadonlySet<string> = new Set([
  "UserRepositoryError",
  "AccessTokenRepositoryError",
  "StrategyError",
  "PasswordHasherError",
  "MailerError"
])

/**
 * A JSON response with FastAPI's compact serialisation (a text body: Node writes headers and body at once).
 *
 * @since 0.0.0
 * @category constructors
 */
export const jsonResponse = (status: number, body: unknown): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(JSON.stringify(body), { status, contentType: "application/json" })

/**
 * `{"detail": detail}` with the given status.
 *
 * @since 0.0.0
 * @category constructors
 */
export const detailResponse = (status: number, detail: unknown): HttpServerResponse.HttpServerResponse =>
  jsonResponse(status, { detail })

/**
 * The pre-built response of a domain error without a `reason`, through the table (for the hot paths).
 *
 * @since 0.0.0
 * @category constructors
 */
export const responseOf = (operation: Operation, tag: string): HttpServerResponse.HttpServerResponse => {
  const wire = errorTable[operation][tag]
  if (wire === undefined) throw new Error(`transport-http: no ${operation} entry for ${tag} in the error table`)
  return detailResponse(wire.status, wire.detail)
}

/**
 * The pre-built bare responses (`{"detail": "Unauthorized"}` and friends, the 503).
 *
 * @since 0.0.0
 * @category constants
 */
export const responses = {
  unauthorized: responseOf("users", "Unauthorized"),
  forbidden: responseOf("users", "Forbidden"),
  notFound: responseOf("users", "UserNotExists"),
  methodNotAllowed: detailResponse(405, "Method Not Allowed"),
  serviceUnavailable: detailResponse(503, SERVICE_UNAVAILABLE)
} as const

/**
 * Whether an error is one of the ports' infrastructure errors.
 *
 * @since 0.0.0
 * @category guards
 */
export const isInfrastructure = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string" &&
  INFRASTRUCTURE_TAGS.has(error._tag)

/**
 * The response of an error for an operation, through the table; an infrastructure error is logged and becomes the
 * 503; an error the table does not know is a defect (it would be a bug in the routes).
 *
 * @since 0.0.0
 * @category constructors
 */
export const toResponse = (
  operation: Operation,
  error: { readonly _tag: string }
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  if (INFRASTRUCTURE_TAGS.has(error._tag)) {
    return Effect.as(
      Effect.logError(`${operation}: ${error._tag}, answering 503`, error),
      responses.serviceUnavailable
    )
  }
  const wire = errorTable[operation][error._tag]
  if (wire === undefined) return Effect.die(error)
  if (wire.withReason === true) {
    const reason = "reason" in error ? error.reason : null
    return Effect.succeed(detailResponse(wire.status, { code: wire.detail, reason }))
  }
  return Effect.succeed(detailResponse(wire.status, wire.detail))
}

/**
 * FastAPI Users' `ErrorModel` for the OpenAPI document: `{"detail": string | {code, reason}}` (400).
 *
 * @since 0.0.0
 * @category schemas
 */
export class ErrorModel extends Schema.Error<ErrorModel>("ErrorModel")(
  { detail: Schema.Union([Schema.String, Schema.Struct({ code: Schema.String, reason: Schema.Unknown })]) },
  { httpApiStatus: 400 }
) {}

/**
 * `{"detail": "Unauthorized"}` (401), for the OpenAPI document.
 *
 * @since 0.0.0
 * @category schemas
 */
export class UnauthorizedError extends Schema.Error<UnauthorizedError>("Unauthorized")(
  { detail: Schema.Literal("Unauthorized") },
  { httpApiStatus: 401 }
) {}

/**
 * `{"detail": "Forbidden"}` (403), for the OpenAPI document.
 *
 * @since 0.0.0
 * @category schemas
 */
export class ForbiddenError extends Schema.Error<ForbiddenError>("Forbidden")(
  { detail: Schema.Literal("Forbidden") },
  { httpApiStatus: 403 }
) {}

/**
 * `{"detail": "Not Found"}` (404), for the OpenAPI document.
 *
 * @since 0.0.0
 * @category schemas
 */
export class NotFoundError extends Schema.Error<NotFoundError>("NotFound")(
  { detail: Schema.Literal("Not Found") },
  { httpApiStatus: 404 }
) {}

/**
 * `{"detail": "SERVICE_UNAVAILABLE"}` (503), for the OpenAPI document.
 *
 * @since 0.0.0
 * @category schemas
 */
export class ServiceUnavailableError extends Schema.Error<ServiceUnavailableError>("ServiceUnavailable")(
  { detail: Schema.Literal(SERVICE_UNAVAILABLE) },
  { httpApiStatus: 503 }
) {}
