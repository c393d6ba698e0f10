/**
 * The Cookie transport (docs/moving-from-fastapi-users.md): the token travels in a cookie (`fastapiusersauth` by default);
 * login answers 204 with the cookie set; logout answers 204 with the cookie cleared.
 *
 * @since 0.0.0
 */
import { Effect, Option } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import type { HttpTransport } from "./HttpTransport.ts"

/**
 * The cookie's attributes; every default is FastAPI Users'.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  /** Default `fastapiusersauth`. */
  readonly name?: string
  /** `Max-Age` in seconds; a session cookie when absent (the default). */
  readonly maxAge?: number
  /** Default `/`. */
  readonly path?: string
  /** No `Domain` attribute when absent (the default). */
  readonly domain?: string
  /** Default `true`. */
  readonly secure?: boolean
  /** Default `true`. */
  readonly httpOnly?: boolean
  /** Default `lax`. */
  readonly sameSite?: "lax" | "strict" | "none"
  /**
   * Refuse (read no token from) a request carrying the cookie more than once, e.g. one planted for a parent domain
   * or another path beside the server's own: off by default (FastAPI Users reads one of them).
   */
  readonly refuseDuplicates?: boolean
}

/**
 * The default cookie name.
 *
 * @since 0.0.0
 * @category constants
 */
export const DEFAULT_NAME = "fastapiusersauth"

/**
 * The name of the `__Host-` preset's cookie.
 *
 * @since 0.0.0
 * @category constants
 */
export const HOST_NAME = "__Host-fastapiusersauth"

/**
 * How many times a `Cookie` header carries the cookie `name`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const occurrences = (header: string | undefined, name: string): number => {
  if (header === undefined) return 0
  let count = 0
  for (const part of header.split(";")) {
    const eq = part.indexOf("=")
    if ((eq < 0 ? part : part.slice(0, eq)).trim() === name) count++
  }
  return count
}

/**
 * The `Set-Cookie` value for a cookie holding `value` (`""` and `Max-Age=0` clear it), with the reference's
 * attribute order.
 *
 * @since 0.0.0
 * @category constructors
 */
export const serialize = (options: Options, value: string, maxAge: number | undefined): string => {
  const parts = [`${options.name ?? DEFAULT_NAME}=${value}`]
  if (options.domain !== undefined) parts.push(`Domain=${options.domain}`)
  if (options.httpOnly ?? true) parts.push("HttpOnly")
  if (maxAge !== undefined) parts.push(`Max-Age=${maxAge}`)
  parts.push(`Path=${options.path ?? "/"}`)
  parts.push(`SameSite=${options.sameSite ?? "lax"}`)
  if (options.secure ?? true) parts.push("Secure")
  return parts.join("; ")
}

/**
 * Builds a Cookie transport.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (options: Options = {}): HttpTransport => {
  const name = options.name ?? DEFAULT_NAME
  const logout = HttpServerResponse.empty({ status: 204 }).pipe(
    HttpServerResponse.setHeader("set-cookie", serialize(options, "\"\"", 0))
  )
  const refuseDuplicates = options.refuseDuplicates === true
  return {
    readToken: (request: HttpServerRequest.HttpServerRequest) => {
      const value = request.cookies[name]
      if (value !== undefined && refuseDuplicates && occurrences(request.headers["cookie"], name) > 1) {
        return Option.none()
      }
      if (value === undefined) return Option.none()
      const token = value.length >= 2 && value.startsWith("\"") && value.endsWith("\"") ? value.slice(1, -1) : value
      return token === "" ? Option.none() : Option.some(token)
    },
    loginResponse: (token) =>
      Effect.succeed(
        HttpServerResponse.empty({ status: 204 }).pipe(
          HttpServerResponse.setHeader("set-cookie", serialize(options, token, options.maxAge))
        )
      ),
    logoutResponse: Effect.succeed(logout),
    securityScheme: { name: "APIKeyCookie", scheme: { type: "apiKey", in: "cookie", name } }
  }
}

/**
 * The hardened cookie: named `__Host-fastapiusersauth` (a browser keeps a `__Host-` cookie only when it is `Secure`,
 * has `Path=/` and no `Domain`, so no sibling subdomain or plain-HTTP page can plant or shadow it), `HttpOnly`,
 * `SameSite=Lax`, duplicates refused.
 *
 * @since 0.0.0
 * @category constructors
 */
export const makeHostPrefixed = (
  options: { readonly maxAge?: number; readonly sameSite?: "lax" | "strict" } = {}
): HttpTransport =>
  make({
    name: HOST_NAME,
    path: "/",
    secure: true,
    httpOnly: true,
    sameSite: options.sameSite ?? "lax",
    refuseDuplicates: true,
    ...(options.maxAge === undefined ? {} : { maxAge: options.maxAge })
  })
