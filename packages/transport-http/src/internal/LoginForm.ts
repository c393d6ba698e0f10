import { Effect, Schema } from "effect"
import type { HttpServerRequest } from "effect/http"
import { HttpApiSchema } from "effect/http-api"
import * as ValidationError from "../ValidationError.ts"

/**
 * FastAPI's `OAuth2PasswordRequestForm` (url-encoded for the OpenAPI document; multipart accepted too), named as
 * FastAPI names a route's form body (`Body_<operation id>`).
 */
export const schema = (identifier: string) =>
  Schema.Struct({
    grant_type: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^password$/u))),
    username: Schema.String,
    // no length check here: an over-long password is bad credentials (the route refuses it before hashing)
    password: Schema.String,
    scope: Schema.optionalKey(Schema.String),
    client_id: Schema.optionalKey(Schema.String),
    client_secret: Schema.optionalKey(Schema.String)
  }).annotate({ identifier }).pipe(HttpApiSchema.asFormUrlEncoded())

/** The login form's schema. */
export type LoginFormSchema = ReturnType<typeof schema>

const mediaType = (request: HttpServerRequest.HttpServerRequest): string | undefined =>
  request.headers["content-type"]?.split(";")[0].trim().toLowerCase()

const none: Record<string, string> = {}

/**
 * The form's text fields, the last value of each, an empty value read as absent (FastAPI's form reading); a body of
 * another type has no fields (FastAPI reports them missing). The body was read under the size limit already.
 */
export const fields = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<Record<string, string>> => {
  const keep = (entries: Iterable<readonly [string, unknown]>) => {
    const out: Record<string, string> = {}
    for (const [key, value] of entries) {
      if (typeof value !== "string") continue
      if (value === "") delete out[key]
      else out[key] = value
    }
    return out
  }
  switch (mediaType(request)) {
    case "application/x-www-form-urlencoded":
      return Effect.orElseSucceed(Effect.map(request.urlParamsBody, keep), () => none)
    case "multipart/form-data":
      return Effect.orElseSucceed(
        Effect.flatMap(
          request.arrayBuffer,
          (body) =>
            Effect.tryPromise(() =>
              new Response(body, { headers: { "content-type": request.headers["content-type"] ?? "" } }).formData()
            )
        ),
        () => undefined
      ).pipe(Effect.map((form) => form === undefined ? none : keep(form.entries())))
    default:
      return Effect.succeed(none)
  }
}

/** Reads and decodes the login form with its schema: the credentials, or FastAPI's 422 issues. */
export const decode = (schema: LoginFormSchema, request: HttpServerRequest.HttpServerRequest) =>
  Effect.flatMap(
    fields(request),
    (record) =>
      Schema.decodeUnknownEffect(schema)(record, { errors: "all", onExcessProperty: "ignore" }).pipe(
        Effect.mapError((error) =>
          new ValidationError.HTTPValidationError({
            detail: ValidationError.fromIssue("body", error.issue, record, true)
          })
        )
      )
  )
