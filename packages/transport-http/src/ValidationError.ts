/**
 * FastAPI's request validation errors: a 422 with `detail` as a list of `{type, loc, msg, input}`, one item per
 * invalid field, each `loc` starting with where the value came from (`body`, `path`, `query`).
 *
 * @since 0.0.0
 */
import { Effect, Schema, SchemaIssue } from "effect"
import type { HttpServerResponse } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import { jsonResponse } from "./ErrorCode.ts"

/**
 * One invalid field.
 *
 * @since 0.0.0
 * @category models
 */
export interface ValidationIssue {
  readonly type: string
  readonly loc: ReadonlyArray<string | number>
  readonly msg: string
  readonly input: unknown
  readonly ctx?: Readonly<Record<string, unknown>>
}

/**
 * The 422 body, for the OpenAPI document.
 *
 * @since 0.0.0
 * @category schemas
 */
export class HTTPValidationError extends Schema.Error<HTTPValidationError>("HTTPValidationError")(
  {
    detail: Schema.Array(Schema.Struct({
      type: Schema.String,
      loc: Schema.Array(Schema.Union([Schema.String, Schema.Number])),
      msg: Schema.String,
      input: Schema.Unknown
    }))
  },
  { httpApiStatus: 422 }
) {}

/**
 * The 422 response for a list of issues.
 *
 * @since 0.0.0
 * @category constructors
 */
export const response = (issues: ReadonlyArray<ValidationIssue>): HttpServerResponse.HttpServerResponse =>
  jsonResponse(422, { detail: issues })

/**
 * `Field required` at `loc`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const missing = (loc: ReadonlyArray<string | number>, input: unknown): ValidationIssue => ({
  type: "missing",
  loc,
  msg: "Field required",
  input
})

// V8's JSON.parse messages and Python's json module's, for `ctx.error`
const PYTHON_MESSAGES: ReadonlyArray<readonly [string, string]> = [
  ["Expected double-quoted property name", "Expecting property name enclosed in double quotes"],
  ["Expected property name or '}'", "Expecting property name enclosed in double quotes"],
  ["Expected ',' or '}' after property value", "Expecting ',' delimiter"],
  ["Expected ',' or ']' after array element", "Expecting ',' delimiter"],
  ["Expected ':' after property name", "Expecting ':' delimiter"],
  ["Unexpected non-whitespace character after JSON", "Extra data"],
  ["Bad control character in string literal", "Invalid control character at"],
  ["Unterminated string", "Unterminated string starting at"],
  ["Unexpected token", "Expecting value"]
]

/**
 * A body that is not JSON: FastAPI's `json_invalid` at the position where parsing failed.
 *
 * @since 0.0.0
 * @category constructors
 */
export const jsonInvalid = (text: string, error: unknown): ValidationIssue => {
  const message = error instanceof Error ? error.message : ""
  const match = /position (\d+)/u.exec(message)
  const position = match === null ? text.length : Number(match[1])
  const v8 = message.replace(/ in JSON at position.*$/su, "").replace(/, ".*" is not valid JSON$/su, "")
  const reason = match === null || position >= text.trimEnd().length
    ? "Expecting value"
    : PYTHON_MESSAGES.find(([prefix]) => v8.startsWith(prefix))?.[1] ?? v8
  return { type: "json_invalid", loc: ["body", position], msg: "JSON decode error", input: {}, ctx: { error: reason } }
}

const EMAIL_PREFIX = /^value is not a valid email address: (.*)$/su

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const messageOf = (issue: SchemaIssue.Issue): string => {
  const formatted = formatter(issue).issues
  return formatted.length > 0 ? formatted[0].message : "Invalid value"
}

const valueAt = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  if (input === undefined) return null
  let value: unknown = input
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}

const typeName = (issue: SchemaIssue.InvalidType, message: string, input: unknown): string => {
  const tag = issue.ast._tag
  if (tag === "String" || message.startsWith("Expected string")) return "string_type"
  if (tag === "Boolean" || message.startsWith("Expected boolean")) {
    return typeof input === "string" || typeof input === "number" ? "bool_parsing" : "bool_type"
  }
  if (tag === "Number" || message.startsWith("Expected number")) return "float_type"
  if (tag === "Objects") return "model_attributes_type"
  if (tag === "Arrays") return "list_type"
  return "type_error"
}

const pythonMessage = (type: string, fallback: string): string => {
  switch (type) {
    case "string_type":
      return "Input should be a valid string"
    case "bool_type":
      return "Input should be a valid boolean"
    case "bool_parsing":
      return "Input should be a valid boolean, unable to interpret input"
    case "float_type":
      return "Input should be a valid number"
    case "model_attributes_type":
      return "Input should be a valid dictionary or object to extract fields from"
    default:
      return fallback
  }
}

const toKey = (key: PropertyKey): string | number => (typeof key === "number" ? key : String(key))

/**
 * The issues of a schema failure, FastAPI style, one per invalid field (decode with `{ errors: "all" }` to get them
 * all), each `loc` prefixed by `source`. `embedded`: the fields are separate body parameters (FastAPI's `Body(embed=True)`),
 * whose missing ones report `input: null`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const fromIssue = (
  source: string,
  issue: SchemaIssue.Issue,
  input: unknown,
  embedded = false
): ReadonlyArray<ValidationIssue> => {
  const out: Array<ValidationIssue> = []
  const valueError = (current: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>): void => {
    const loc = [source, ...path.map(toKey)]
    const msg = messageOf(current)
    const email = EMAIL_PREFIX.exec(msg)
    out.push(
      email === null
        ? { type: "value_error", loc, msg, input: valueAt(input, path) }
        : { type: "value_error", loc, msg, input: valueAt(input, path), ctx: { reason: email[1] } }
    )
  }
  const walk = (current: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>): void => {
    const loc = [source, ...path.map(toKey)]
    switch (current._tag) {
      case "Pointer":
        return walk(current.issue, [...path, ...current.path])
      case "Encoding":
        return walk(current.issue, path)
      case "AnyOf":
        // a union of one member (HttpApi wraps payload schemas in one): its member's issues
        return current.issues.length === 1 ? walk(current.issues[0], path) : valueError(current, path)
      case "Composite":
        for (const inner of current.issues) walk(inner, path)
        return
      case "MissingKey":
        out.push(missing(loc, embedded ? null : path.length === 0 ? input : valueAt(input, path.slice(0, -1))))
        return
      case "InvalidType": {
        const message = messageOf(current)
        const value = valueAt(input, path)
        const type = typeName(current, message, value)
        out.push({ type, loc, msg: pythonMessage(type, message), input: value })
        return
      }
      default:
        return valueError(current, path)
    }
  }
  walk(issue, [])
  return out
}

/**
 * A middleware for the application's own `HttpApi` groups: their request validation failures (payload, query, path,
 * headers) become FastAPI's 422 instead of effect's empty 400. Add it with `.middleware(ValidationError.Middleware)`
 * after the groups it covers (annotate the API with `HttpApi.ParseOptions, { errors: "all" }` to report every
 * invalid field), and provide `ValidationError.layer`.
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

/**
 * The implementation of {@link Middleware}; response encoding failures stay defects (a 500: a bug, not input).
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = HttpApiMiddleware.layerSchemaErrorTransform(
  Middleware,
  (error) =>
    error.kind === "Body" || error.kind === "ResponseHeaders"
      ? Effect.fail(error)
      : Effect.succeed(response(fromIssue(sources[error.kind], error.cause.issue, undefined)))
)
