/**
 * FastAPI's request validation errors: a 422 with `detail` as a list of `{type, loc, msg, input}`, one item per
 * invalid field, each `loc` starting with where the value came from (`body`, `path`, `query`).
 *
 * @since 0.0.0
 */
import { Schema, SchemaIssue } from "effect"
import type { HttpServerResponse } from "effect/http"
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

/**
 * A body that is not JSON: FastAPI's `json_invalid` at the position where parsing failed.
 *
 * @since 0.0.0
 * @category constructors
 */
export const jsonInvalid = (text: string, error: unknown): ValidationIssue => {
  const message = error instanceof Error ? error.message : ""
  const match = /position (\d+)/u.exec(message)
  const position = match === null ? Math.max(0, text.length - 1) : Number(match[1])
  return { type: "json_invalid", loc: ["body", position], msg: "JSON decode error", input: {} }
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const messageOf = (issue: SchemaIssue.Issue): string => {
  const formatted = formatter(issue).issues
  return formatted.length > 0 ? formatted[0].message : "Invalid value"
}

const valueAt = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let value = input
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}

const typeName = (issue: SchemaIssue.InvalidType): string => {
  switch (issue.ast._tag) {
    case "String":
      return "string_type"
    case "Boolean":
      return "bool_type"
    case "Number":
      return "float_type"
    case "Objects":
      return "model_attributes_type"
    case "Arrays":
      return "list_type"
    default:
      return "type_error"
  }
}

const pythonMessage = (type: string, fallback: string): string => {
  switch (type) {
    case "string_type":
      return "Input should be a valid string"
    case "bool_type":
      return "Input should be a valid boolean"
    case "model_attributes_type":
      return "Input should be a valid dictionary or object to extract fields from"
    default:
      return fallback
  }
}

const toKey = (key: PropertyKey): string | number => (typeof key === "number" ? key : String(key))

/**
 * The issues of a schema failure, FastAPI style, one per invalid field (decode with `{ errors: "all" }` to get them
 * all), each `loc` prefixed by `source`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const fromIssue = (
  source: string,
  issue: SchemaIssue.Issue,
  input: unknown
): ReadonlyArray<ValidationIssue> => {
  const out: Array<ValidationIssue> = []
  const walk = (current: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>): void => {
    const loc = [source, ...path.map(toKey)]
    switch (current._tag) {
      case "Pointer":
        return walk(current.issue, [...path, ...current.path])
      case "Composite":
        for (const inner of current.issues) walk(inner, path)
        return
      case "MissingKey":
        out.push(missing(loc, path.length === 0 ? input : valueAt(input, path.slice(0, -1))))
        return
      case "InvalidType": {
        const type = typeName(current)
        out.push({ type, loc, msg: pythonMessage(type, messageOf(current)), input: valueAt(input, path) })
        return
      }
      default:
        out.push({ type: "value_error", loc, msg: messageOf(current), input: valueAt(input, path) })
    }
  }
  walk(issue, [])
  return out
}
