/**
 * The first step of every library route that takes a body, before authentication (FastAPI's order, docs/moving-from-fastapi-users.md
 * §2.4): the body is read under a size limit while it arrives (413 `{"detail": ...}` once over it, without reading
 * the rest), must be UTF-8 (400 "There was an error parsing the body", as FastAPI), and a JSON body must parse
 * (FastAPI's 422 `json_invalid` at the failing position) within a nesting limit (the same 422, without echoing the
 * input), before the route authenticates or validates anything.
 *
 * @since 0.0.0
 */
import { ByteSize, Context, Effect, Layer, Option } from "effect"
import { HttpIncomingMessage, HttpServerError, HttpServerRequest } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import { detailResponse, responses } from "./ErrorResponse.ts"
import { ParsedBody } from "./internal/ParsedBody.ts"
import * as ValidationError from "./ValidationError.ts"

/**
 * The limits of request bodies.
 *
 * @since 0.0.0
 * @category models
 */
export interface Limits {
  /** The largest body, in bytes, read for any route (1 MiB by default). */
  readonly maxBodySize: number
  /** The deepest nesting of arrays and objects a JSON body may have (64 by default). */
  readonly maxDepth: number
}

/**
 * The default limits: bodies up to 1 MiB, JSON nested up to 64 levels.
 *
 * @since 0.0.0
 * @category constants
 */
export const defaultLimits: Limits = { maxBodySize: 1024 * 1024, maxDepth: 64 }

/**
 * How a route reads its body: JSON, or a form (url-encoded or multipart) that the route decodes itself.
 *
 * @since 0.0.0
 * @category annotations
 */
export class BodyKind extends Context.Service<BodyKind, "json" | "form">()(
  "@effect-users/transport-http/RequestBody/BodyKind"
) {}

/**
 * The middleware (add it last, so that it runs first).
 *
 * @since 0.0.0
 * @category middleware
 */
export class Middleware extends HttpApiMiddleware.Service<Middleware>()(
  "@effect-users/transport-http/RequestBody/Middleware"
) {}

const mediaType = (request: HttpServerRequest.HttpServerRequest): string | undefined => {
  const header = request.headers["content-type"]
  return header === undefined ? undefined : header.split(";")[0].trim().toLowerCase()
}

/**
 * Whether a content type is FastAPI's JSON (absent, `application/json` or `application/*+json`).
 *
 * @since 0.0.0
 * @category predicates
 */
export const isJson = (request: HttpServerRequest.HttpServerRequest): boolean => {
  const type = mediaType(request)
  return type === undefined || type === "application/json" ||
    (type.startsWith("application/") && type.endsWith("+json"))
}

/**
 * The position at which a JSON text nests deeper than `maxDepth` (arrays and objects; brackets inside strings do
 * not count), or -1. Parsing and every later step (validation, the 422's echo) recurse on depth.
 *
 * @since 0.0.0
 * @category predicates
 */
export const tooDeepAt = (text: string, maxDepth: number): number => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth) return i
    } else if (c === 125 || c === 93) depth--
  }
  return -1
}

const utf8 = new TextDecoder("utf-8", { fatal: true })
const parseError = detailResponse(400, "There was an error parsing the body")

const isTooLarge = (error: unknown): boolean =>
  HttpServerError.isHttpServerError(error) && error.reason._tag === "RequestParseError" &&
  error.reason.reason === "BodyTooLarge"

/**
 * Reads the body under the limit: its bytes, or the answer (413 over the limit, 400 for an unreadable body).
 *
 * @since 0.0.0
 * @category constructors
 */
export const read = (request: HttpServerRequest.HttpServerRequest, limits: Limits) => {
  const declared = Number(request.headers["content-length"])
  if (declared > limits.maxBodySize) return Effect.fail(responses.payloadTooLarge)
  return request.arrayBuffer.pipe(
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(limits.maxBodySize)),
    Effect.mapError((error) => isTooLarge(error) ? responses.payloadTooLarge : parseError)
  )
}

const jsonInvalid = (text: string, error: unknown) =>
  ValidationError.response([ValidationError.jsonInvalid(text, error)])

/**
 * The implementation of {@link Middleware}.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (limits: Limits = defaultLimits): Layer.Layer<Middleware> =>
  Layer.succeed(Middleware, (httpEffect, { endpoint }) => {
    const kind = Context.getOption(endpoint.annotations, BodyKind)
    // a route without a body reads none: nothing to do (the hot path, `GET /users/me`, is one of them)
    if (Option.isNone(kind)) return httpEffect
    const limited = Effect.provideService(
      httpEffect,
      HttpIncomingMessage.MaxBodySize,
      ByteSize.bytes(limits.maxBodySize)
    )
    if (kind.value === "form") {
      return Effect.flatMap(
        HttpServerRequest.HttpServerRequest,
        (request) => Effect.matchEffect(read(request, limits), { onFailure: Effect.succeed, onSuccess: () => limited })
      )
    }
    return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      Effect.matchEffect(read(request, limits), {
        onFailure: Effect.succeed,
        onSuccess: (bytes) => {
          let text: string
          try {
            text = utf8.decode(bytes)
          } catch {
            return Effect.succeed(parseError)
          }
          if (text === "") return Effect.provideService(limited, ParsedBody, { value: undefined })
          if (!isJson(request)) return Effect.provideService(limited, ParsedBody, { value: text })
          const deep = tooDeepAt(text, limits.maxDepth)
          if (deep >= 0) {
            return Effect.succeed(ValidationError.response([{
              type: "json_invalid",
              loc: ["body", deep],
              msg: "JSON decode error",
              input: {},
              ctx: { error: `Nesting deeper than ${limits.maxDepth} levels` }
            }]))
          }
          let value: unknown
          try {
            value = JSON.parse(text)
          } catch (error) {
            return Effect.succeed(jsonInvalid(text, error))
          }
          return Effect.provideService(limited, ParsedBody, { value })
        }
      }))
  })
