import type { SchemaAST } from "effect"
import { SchemaIssue } from "effect"

/**
 * One invalid field.
 */
export interface ValidationIssue {
  readonly type: string
  readonly loc: ReadonlyArray<string | number>
  readonly msg: string
  readonly input: unknown
  readonly ctx?: Readonly<Record<string, unknown>>
}

/**
 * `Field required` at `loc`.
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
    value = Reflect.get(value, key)
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

const hasBoolean = (ast: SchemaAST.AST): boolean =>
  ast._tag === "Boolean" || (ast._tag === "Union" && ast.types.some(hasBoolean))

const toKey = (key: PropertyKey): string | number => (typeof key === "number" ? key : String(key))

/**
 * The issues of a schema failure, FastAPI style, one per invalid field (decode with `{ errors: "all" }` to get them
 * all), each `loc` prefixed by `source`. `embedded`: the fields are separate body parameters (FastAPI's `Body(embed=True)`),
 * whose missing ones report `input: null`.
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
      case "AnyOf": {
        // a union of one member (HttpApi wraps payload schemas in one): its member's issues
        if (current.issues.length === 1) return walk(current.issues[0], path)
        // a lax boolean (a union with a boolean member) given something else entirely: Pydantic's `bool_type`
        if (hasBoolean(current.ast)) {
          out.push({ type: "bool_type", loc, msg: "Input should be a valid boolean", input: valueAt(input, path) })
          return
        }
        return valueError(current, path)
      }
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
      case "Filter": {
        const representation = current.filter.annotations?.representation
        if (representation?.id === "effect/schema/isMaxLength") {
          const payload = representation.payload
          const max = typeof payload === "object" && payload !== null && "maxLength" in payload
            ? Number(payload.maxLength)
            : Number.NaN
          out.push({
            type: "string_too_long",
            loc,
            msg: `String should have at most ${max} characters`,
            input: valueAt(input, path),
            ctx: { max_length: max }
          })
          return
        }
        if (representation?.id === "effect/schema/isPattern") {
          const payload = representation.payload
          const pattern = typeof payload === "object" && payload !== null && "source" in payload
            ? String(payload.source)
            : ""
          out.push({
            type: "string_pattern_mismatch",
            loc,
            msg: `String should match pattern '${pattern}'`,
            input: valueAt(input, path),
            ctx: { pattern }
          })
          return
        }
        return valueError(current, path)
      }
      default:
        return valueError(current, path)
    }
  }
  walk(issue, [])
  return out
}
