import { Effect, Schema } from "effect"
import type { HttpServerRequest, HttpServerResponse } from "effect/http"
import { UrlParams } from "effect/http"
import * as ValidationError from "../ValidationError.ts"

/** A body read and decoded, or the 422 answer. */
export type Decoded<A> =
  | { readonly _tag: "Ok"; readonly value: A }
  | { readonly _tag: "Invalid"; readonly response: HttpServerResponse.HttpServerResponse }

const invalid = <A>(issues: ReadonlyArray<ValidationError.ValidationIssue>): Decoded<A> => ({
  _tag: "Invalid",
  response: ValidationError.response(issues)
})

const mediaType = (request: HttpServerRequest.HttpServerRequest): string | undefined => {
  const header = request.headers["content-type"]
  return header === undefined ? undefined : header.split(";")[0].trim().toLowerCase()
}

const isJson = (type: string | undefined): boolean =>
  type === undefined || type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"))

/** The raw text of the body; an unreadable body is read as empty. */
export const text = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<string> =>
  Effect.orElseSucceed(request.text, () => "")

/** The JSON value of the body (FastAPI's body reading: malformed JSON is `json_invalid` at its position). */
export type JsonBody =
  | { readonly _tag: "Ok"; readonly value: unknown }
  | { readonly _tag: "Invalid"; readonly response: HttpServerResponse.HttpServerResponse }

/**
 * Parses the body as FastAPI does for a JSON body: an empty body is a missing body; a non-JSON content type is the
 * raw text (which then fails validation as "not an object"); malformed JSON is `json_invalid`.
 */
export const parseJson = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<JsonBody> =>
  Effect.map(text(request), (body): JsonBody => {
    if (body === "") return { _tag: "Ok", value: undefined }
    if (!isJson(mediaType(request))) return { _tag: "Ok", value: body }
    try {
      return { _tag: "Ok", value: JSON.parse(body) }
    } catch (error) {
      return { _tag: "Invalid", response: ValidationError.response([ValidationError.jsonInvalid(body, error)]) }
    }
  })

const parseOptions = { errors: "all", onExcessProperty: "ignore" } as const

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Validates a parsed JSON body against a schema, FastAPI style (`loc` under `body`). */
export const validate = <S extends Schema.Decoder<unknown>>(
  schema: S,
  value: unknown
): Effect.Effect<Decoded<S["Type"]>, never, S["DecodingServices"]> => {
  if (value === undefined) {
    return Effect.succeed(invalid([ValidationError.missing(["body"], null)]))
  }
  if (!isRecord(value)) {
    return Effect.succeed(invalid([{
      type: "model_attributes_type",
      loc: ["body"],
      msg: "Input should be a valid dictionary or object to extract fields from",
      input: value
    }]))
  }
  return Schema.decodeUnknownEffect(schema)(value, parseOptions).pipe(
    Effect.match({
      onFailure: (error): Decoded<S["Type"]> => invalid(ValidationError.fromIssue("body", error.issue, value)),
      onSuccess: (decoded): Decoded<S["Type"]> => ({ _tag: "Ok", value: decoded })
    })
  )
}

/** Parses then validates a JSON body; `prepare` adjusts the parsed object first (lax booleans). */
export const decodeJson = <S extends Schema.Decoder<unknown>>(
  schema: S,
  request: HttpServerRequest.HttpServerRequest,
  prepare: (body: Record<string, unknown>) => Record<string, unknown> = (body) => body
): Effect.Effect<Decoded<S["Type"]>, never, S["DecodingServices"]> =>
  Effect.flatMap(parseJson(request), (body) =>
    body._tag === "Invalid"
      ? Effect.succeed(body)
      : validate(schema, isRecord(body.value) ? prepare(body.value) : body.value))

/**
 * Parses then validates separate body parameters (FastAPI's `Body(embed=True)`, or several body parameters): a body
 * that is not an object leaves every field missing.
 */
export const decodeEmbedded = <F extends Schema.Struct.Fields>(
  schema: Schema.Struct<F>,
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<Decoded<Schema.Struct<F>["Type"]>, never, Schema.Struct<F>["DecodingServices"]> =>
  Effect.flatMap(parseJson(request), (body) => {
    if (body._tag === "Invalid") return Effect.succeed(body)
    const value = isRecord(body.value) ? body.value : {}
    return Schema.decodeUnknownEffect(schema)(value, parseOptions).pipe(
      Effect.match({
        onFailure: (error): Decoded<Schema.Struct<F>["Type"]> =>
          invalid(ValidationError.fromIssue("body", error.issue, value, true)),
        onSuccess: (decoded): Decoded<Schema.Struct<F>["Type"]> => ({ _tag: "Ok", value: decoded })
      })
    )
  })

const TRUE = new Set(["1", "on", "t", "true", "y", "yes"])
const FALSE = new Set(["0", "off", "f", "false", "n", "no"])

/**
 * Pydantic's lax booleans for the user flags (`"true"`, `"yes"`, `1`...), and, when `nullAsAbsent`, a `null` flag
 * read as absent (the create schema's `bool | None`); anything else is left for the schema to refuse.
 */
export const laxFlags = (nullAsAbsent: boolean) => (body: Record<string, unknown>): Record<string, unknown> => {
  let out: Record<string, unknown> | undefined
  for (const key of ["is_active", "is_superuser", "is_verified"]) {
    if (!Object.hasOwn(body, key)) continue
    const value = body[key]
    let flag: boolean | null | undefined
    if (value === null) flag = nullAsAbsent ? null : undefined
    else if (typeof value === "string") {
      const lower = value.toLowerCase()
      flag = TRUE.has(lower) ? true : FALSE.has(lower) ? false : undefined
    } else if (value === 0 || value === 1) flag = value === 1
    if (flag === undefined) continue
    out ??= { ...body }
    if (flag === null) delete out[key]
    else out[key] = flag
  }
  return out ?? body
}

/** The OAuth2 password form of the login route. */
export interface LoginForm {
  readonly username: string
  readonly password: string
}

const formValue = (record: Record<string, string | ReadonlyArray<string>>, key: string): string | undefined => {
  const value = record[key]
  const single = typeof value === "string" ? value : value === undefined ? undefined : value[value.length - 1]
  // FastAPI treats an empty form value as absent
  return single === "" ? undefined : single
}

/**
 * Reads FastAPI's `OAuth2PasswordRequestForm` (url-encoded or multipart): `username` and `password` required (empty is missing), `grant_type`
 * must match `^password$` when present; any other body (JSON) has neither field.
 */
const noFields: Record<string, string | ReadonlyArray<string>> = {}

// multipart/form-data through the platform's Fetch API parser (text fields only; files are ignored)
const multipartFields = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.orElseSucceed(
    Effect.flatMap(request.arrayBuffer, (body) =>
      Effect.tryPromise(async () => {
        const form = await new Response(body, {
          headers: { "content-type": request.headers["content-type"] ?? "" }
        }).formData()
        const fields: Record<string, Array<string>> = {}
        for (const [key, value] of form.entries()) {
          if (typeof value === "string") (fields[key] ??= []).push(value)
        }
        return fields
      })),
    () => noFields
  )

const formFields = (
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<Record<string, string | ReadonlyArray<string>>> => {
  switch (mediaType(request)) {
    case "application/x-www-form-urlencoded":
      return Effect.orElseSucceed(Effect.map(request.urlParamsBody, UrlParams.toRecord), () => noFields)
    case "multipart/form-data":
      return multipartFields(request)
    default:
      return Effect.succeed(noFields)
  }
}

export const decodeLoginForm = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<Decoded<LoginForm>> =>
  Effect.map(
    formFields(request),
    (record): Decoded<LoginForm> => {
      const issues: Array<ValidationError.ValidationIssue> = []
      const grantType = formValue(record, "grant_type")
      if (grantType !== undefined && grantType !== "password") {
        issues.push({
          type: "string_pattern_mismatch",
          loc: ["body", "grant_type"],
          msg: "String should match pattern '^password$'",
          input: grantType,
          ctx: { pattern: "^password$" }
        })
      }
      const username = formValue(record, "username")
      if (username === undefined) issues.push(ValidationError.missing(["body", "username"], null))
      const password = formValue(record, "password")
      if (password === undefined) issues.push(ValidationError.missing(["body", "password"], null))
      if (issues.length > 0 || username === undefined || password === undefined) return invalid(issues)
      return { _tag: "Ok", value: { username, password } }
    }
  )
