import { Context, Schema } from "effect"
import { OpenApi } from "effect/http-api"
import * as RequestBody from "../RequestBody.ts"
import * as ValidationError from "../ValidationError.ts"

// Python's str.title(): each run of letters starts upper-case, the rest lower-case
const title = (text: string): string =>
  text.replace(/[A-Za-z]+/gu, (word) => word[0].toUpperCase() + word.slice(1).toLowerCase())

/**
 * FastAPI's names for a route of FastAPI Users (its `name`, e.g. `users:current_user`, at `path` with `method`): the
 * summary (`Users:Current User`) and the operation id (`users_current_user_users_me_get`) its OpenAPI document
 * gives, so that clients generated from FastAPI Users' document keep their method names.
 */
export const names = (name: string, path: string, method: string) => ({
  summary: title(name.replace(/_/gu, " ")),
  operationId: `${name}${path}`.replace(/\W/gu, "_") + `_${method.toLowerCase()}`
})

/** The OpenAPI annotations of a route of FastAPI Users. */
export const annotations = (name: string, path: string, method: string) => {
  const { operationId, summary } = names(name, path, method)
  return OpenApi.annotations({ identifier: operationId, summary })
}

/**
 * The annotations of a route of FastAPI Users that reads a JSON body: its names, and how the body maps to the
 * payload (`RequestBody` and `ValidationError` read them).
 */
export const jsonBody = (
  name: string,
  path: string,
  method: string,
  body: { readonly shape: "model" | "embedded"; readonly schema: Schema.Decoder<unknown> }
) =>
  Context.merge(
    annotations(name, path, method),
    Context.make(RequestBody.BodyKind, "json").pipe(Context.add(ValidationError.BodyShape, body))
  )

/** A route's separate body fields (FastAPI's `Body(embed=True)`), named as FastAPI names them (`Body_<operation id>`). */
export const embeddedBody = <const F extends Schema.Struct.Fields>(name: string, path: string, fields: F) =>
  Schema.Struct(fields).annotate({ identifier: `Body_${names(name, path, "POST").operationId}` })
