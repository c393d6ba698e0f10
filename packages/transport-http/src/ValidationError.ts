/**
 * FastAPI's request validation errors: a 422 with `detail` as a list of `{type, loc, msg, input}`, one item per
 * invalid field, each `loc` starting with where the value came from (`body`, `path`, `query`).
 *
 * @since 0.0.0
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { HttpServerResponse } from "effect/http"
import { HttpApiError, HttpApiMiddleware } from "effect/http-api"
import { jsonResponse } from "./ErrorResponse.ts"
import * as Issues from "./internal/Issues.ts"
import { ParsedBody } from "./internal/ParsedBody.ts"

/**
 * One item of the 422 body, for the OpenAPI document (FastAPI's `ValidationError`).
 *
 * @since 0.0.0
 * @category schemas
 */
export const ValidationErrorItem = Schema.Struct({
  type: Schema.String,
  loc: Schema.Array(Schema.Union([Schema.String, Schema.Number])),
  msg: Schema.String,
  input: Schema.optionalKey(Schema.Unknown),
  ctx: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown))
}).annotate({ identifier: "ValidationError" })

/**
 * The 422 body (FastAPI's `HTTPValidationError`).
 *
 * @since 0.0.0
 * @category schemas
 */
export class HTTPValidationError extends Schema.Error<HTTPValidationError>("HTTPValidationError")(
  Schema.Struct({ detail: Schema.Array(ValidationErrorItem) }).annotate({ identifier: "HTTPValidationError" }),
  { httpApiStatus: 422, description: "Validation Error" }
) {}

/**
 * One invalid field.
 *
 * @since 0.0.0
 * @category models
 */
export type ValidationIssue = Issues.ValidationIssue

/**
 * `Field required` at `loc`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const missing = Issues.missing

/**
 * A body that is not JSON: FastAPI's `json_invalid` at the position where parsing failed.
 *
 * @since 0.0.0
 * @category constructors
 */
export const jsonInvalid = Issues.jsonInvalid

/**
 * The issues of a schema failure, FastAPI style, one per invalid field, each `loc` prefixed by `source`;
 * `embedded`: the fields are separate body parameters, whose missing ones report `input: null`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const fromIssue = Issues.fromIssue

/**
 * The 422 response for a list of issues.
 *
 * @since 0.0.0
 * @category constructors
 */
export const response = (issues: ReadonlyArray<ValidationIssue>): HttpServerResponse.HttpServerResponse =>
  jsonResponse(422, { detail: issues })

/**
 * How a route's JSON body maps to its payload: one model (FastAPI's single body parameter) or separate fields
 * (`Body(embed=True)`, several body parameters), whose missing ones report `input: null` and which a non-object body
 * leaves all missing.
 *
 * @since 0.0.0
 * @category annotations
 */
export class BodyShape extends Context.Service<BodyShape, {
  readonly shape: "model" | "embedded"
  readonly schema: Schema.Decoder<unknown>
}>()("@effect-users/transport-http/ValidationError/BodyShape") {}

/**
 * A middleware turning request validation failures (payload, query, path, headers) into FastAPI's 422 instead of
 * effect's empty 400, for the library's groups and the application's own. Add it with
 * `.middleware(ValidationError.Middleware)` (first, so that it runs right before decoding) and provide
 * `ValidationError.layer`; annotate groups with `HttpApi.PayloadParseOptions, { errors: "all" }` to report every
 * invalid field.
 *
 * @since 0.0.0
 * @category middleware
 */
export class Middleware extends HttpApiMiddleware.Service<Middleware>()(
  "@effect-users/transport-http/ValidationError/Middleware",
  { error: HTTPValidationError }
) {}

const sources = {
  Payload: "body",
  Query: "query",
  Params: "path",
  Headers: "header"
} as const

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const parseOptions = { errors: "all", onExcessProperty: "ignore" } as const

const bodyIssues = (
  body: { readonly shape: "model" | "embedded"; readonly schema: Schema.Decoder<unknown> },
  value: unknown
): Effect.Effect<ReadonlyArray<ValidationIssue> | undefined> => {
  if (body.shape === "embedded") {
    if (isRecord(value)) return Effect.succeed(undefined)
    return Schema.decodeUnknownEffect(body.schema)({}, parseOptions).pipe(
      Effect.match({ onFailure: (error) => fromIssue("body", error.issue, {}, true), onSuccess: () => undefined })
    )
  }
  if (value === undefined) return Effect.succeed([missing(["body"], null)])
  if (!isRecord(value)) {
    return Effect.succeed([{
      type: "model_attributes_type",
      loc: ["body"],
      msg: "Input should be a valid dictionary or object to extract fields from",
      input: value
    }])
  }
  return Effect.succeed(undefined)
}

/**
 * The implementation of {@link Middleware}: a body that cannot be the payload (missing, not an object, not JSON)
 * is answered before decoding, the way FastAPI reports it; decoding failures become the 422 with each field's
 * location; response encoding failures stay defects (a 500 and a log line: a bug, not input).
 *
 * @since 0.0.0
 * @category layers
 */
export const layer: Layer.Layer<Middleware> = Layer.succeed(Middleware, (httpEffect, { endpoint }) => {
  const body = Context.getOption(endpoint.annotations, BodyShape)
  const embedded = Option.isSome(body) && body.value.shape === "embedded"
  const transformed = Effect.catch(httpEffect, (error) => {
    if (!HttpApiError.HttpApiSchemaError.is(error)) return Effect.fail(error)
    if (error.kind === "Body" || error.kind === "ResponseHeaders") return Effect.fail(error)
    if (error.kind !== "Payload") {
      return Effect.succeed(response(fromIssue(sources[error.kind], error.cause.issue, undefined)))
    }
    return Effect.map(
      Effect.serviceOption(ParsedBody),
      (parsed) =>
        response(fromIssue("body", error.cause.issue, Option.isSome(parsed) ? parsed.value.value : undefined, embedded))
    )
  })
  if (Option.isNone(body)) return transformed
  const shape = body.value
  return Effect.flatMap(Effect.serviceOption(ParsedBody), (parsed) => {
    const value = Option.isSome(parsed) ? parsed.value.value : undefined
    return Effect.flatMap(
      bodyIssues(shape, value),
      (issues) => issues === undefined ? transformed : Effect.succeed(response(issues))
    )
  })
})
