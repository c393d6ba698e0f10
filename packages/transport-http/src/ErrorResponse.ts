/**
 * The error answers of the library's routes: their schemas (which name the OpenAPI components and encode the typed
 * failures of the handlers) and the pre-built responses the pipeline and the guards answer with directly.
 *
 * @since 0.0.0
 */
import { Schema } from "effect"
import { HttpServerResponse } from "effect/http"
import { SERVICE_UNAVAILABLE } from "./ErrorCode.ts"

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
 * FastAPI Users' `ErrorModel`: `{"detail": code}` or `{"detail": {"code", "reason"}}` (400).
 *
 * @since 0.0.0
 * @category schemas
 */
export class ErrorModel extends Schema.Error<ErrorModel>("ErrorModel")(
  Schema.Struct({
    detail: Schema.Union([
      Schema.String,
      Schema.Record(Schema.String, Schema.Unknown).annotate({ identifier: "ErrorModelDetail" })
    ])
  }).annotate({ identifier: "ErrorModel" }),
  { httpApiStatus: 400, description: "Bad Request" }
) {}

/**
 * `{"detail": "Unauthorized"}` (401).
 *
 * @since 0.0.0
 * @category schemas
 */
export class Unauthorized extends Schema.Error<Unauthorized>("Unauthorized")(
  Schema.Struct({ detail: Schema.Literal("Unauthorized") }).annotate({ identifier: "Unauthorized" }),
  { httpApiStatus: 401, description: "Missing token or inactive user." }
) {}

/**
 * `{"detail": "Forbidden"}` (403).
 *
 * @since 0.0.0
 * @category schemas
 */
export class Forbidden extends Schema.Error<Forbidden>("Forbidden")(
  Schema.Struct({ detail: Schema.Literal("Forbidden") }).annotate({ identifier: "Forbidden" }),
  { httpApiStatus: 403, description: "Not a superuser, or not verified where the route requires it." }
) {}

/**
 * `{"detail": "Not Found"}` (404).
 *
 * @since 0.0.0
 * @category schemas
 */
export class NotFound extends Schema.Error<NotFound>("NotFound")(
  Schema.Struct({ detail: Schema.Literal("Not Found") }).annotate({ identifier: "NotFound" }),
  { httpApiStatus: 404, description: "The user does not exist." }
) {}

/**
 * `{"detail": "SERVICE_UNAVAILABLE"}` (503): a store, the hasher, the mailer or a provider is unavailable.
 *
 * @since 0.0.0
 * @category schemas
 */
export class ServiceUnavailable extends Schema.Error<ServiceUnavailable>("ServiceUnavailable")(
  Schema.Struct({ detail: Schema.Literal(SERVICE_UNAVAILABLE) }).annotate({ identifier: "ServiceUnavailable" }),
  { httpApiStatus: 503, description: "A dependency (database, Redis, hasher, mailer) is unavailable." }
) {}

/**
 * The pre-built bare answers.
 *
 * @since 0.0.0
 * @category constants
 */
export const responses = {
  unauthorized: detailResponse(401, "Unauthorized"),
  forbidden: detailResponse(403, "Forbidden"),
  notFound: detailResponse(404, "Not Found"),
  methodNotAllowed: detailResponse(405, "Method Not Allowed"),
  payloadTooLarge: HttpServerResponse.setHeader(detailResponse(413, "Request body too large"), "connection", "close"),
  serviceUnavailable: detailResponse(503, SERVICE_UNAVAILABLE)
} as const
