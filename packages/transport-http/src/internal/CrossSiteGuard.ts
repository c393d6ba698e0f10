import { Effect, Layer, Option } from "effect"
import { HttpRouter, HttpServerRequest } from "effect/http"
import { CROSS_SITE_REQUEST, CrossSite } from "../CrossSite.ts"
import { detailResponse } from "../ErrorResponse.ts"

const safe = new Set(["GET", "HEAD", "OPTIONS"])
const forbidden = detailResponse(403, CROSS_SITE_REQUEST)

/** The cookie names a `Cookie` header carries (each occurrence). */
export const cookieNames = (header: string | undefined): Array<string> =>
  header === undefined ? [] : header.split(";").map((part) => part.split("=")[0].trim()).filter((name) => name !== "")

const hostOf = (origin: string): string | undefined => {
  try {
    return new URL(origin).host
  } catch {
    return undefined
  }
}

/**
 * The global middleware for the builder's cookie names and cookie login paths, on when `CrossSite` is provided (an
 * empty layer otherwise); a safe method returns at the first test.
 */
export const layer = (names: ReadonlyArray<string>, loginPaths: ReadonlyArray<string>) =>
  Layer.unwrap(Effect.map(Effect.serviceOption(CrossSite), (found) => {
    if (Option.isNone(found) || (names.length === 0 && loginPaths.length === 0)) return Layer.empty
    const { allowSameSite, allowedOrigins } = found.value
    const cookies = new Set(names)
    const logins = new Set(loginPaths)
    const origins = new Set(allowedOrigins)
    const crossSite = (request: HttpServerRequest.HttpServerRequest): boolean => {
      const site = request.headers["sec-fetch-site"]
      if (site !== undefined) {
        return !(site === "same-origin" || site === "none" || (allowSameSite && site === "same-site"))
      }
      const origin = request.headers["origin"]
      if (origin === undefined) return false
      return !(origins.has(origin) || (hostOf(origin) !== undefined && hostOf(origin) === request.headers["host"]))
    }
    return HttpRouter.middleware(
      (httpEffect) =>
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          if (safe.has(request.method)) return httpEffect
          const path = request.url.split("?")[0]
          const concerned = logins.has(path) || cookieNames(request.headers["cookie"]).some((name) => cookies.has(name))
          return concerned && crossSite(request) ? Effect.succeed(forbidden) : httpEffect
        }),
      { global: true }
    )
  }))
