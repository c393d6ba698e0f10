/**
 * FastAPI's answers for requests no route takes (docs/moving-from-fastapi-users.md step 1), derived from an `HttpApi` and
 * the few routes an application serves beside it: Starlette's rules — the first route whose path matches decides a
 * 405 `{"detail": "Method Not Allowed"}` with its method in `Allow` (`HEAD` included: FastAPI's routes take none), a
 * path that matches only with or without a trailing slash is a 307 to that path, anything else a 404
 * `{"detail": "Not Found"}` (instead of an empty 404).
 *
 * @since 0.0.0
 */
import { Effect } from "effect"
import { HttpRouter, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApi, type HttpApiGroup } from "effect/http-api"
import { responses } from "./ErrorResponse.ts"
import { decode, pathOf } from "./internal/Path.ts"

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&")

const matcher = (path: string): RegExp =>
  new RegExp(`^${path.split("/").map((part) => (part.startsWith(":") ? "[^/]+" : escape(part))).join("/")}$`, "u")

/**
 * A known route: its method and a matcher of its path.
 *
 * @since 0.0.0
 * @category models
 */
export interface Known {
  readonly method: string
  readonly pattern: RegExp
}

/**
 * The answer for a request of `method` to `path` that no route took, by Starlette's rules.
 *
 * @since 0.0.0
 * @category constructors
 */
export const answer = (
  routes: ReadonlyArray<Known>,
  method: string,
  url: string,
  host: string | undefined
): HttpServerResponse.HttpServerResponse | undefined => {
  const path = decode(pathOf(url))
  const first = routes.find((route) => route.pattern.test(path))
  if (first !== undefined) {
    return first.method === method
      ? undefined // the router could not take it although the path matches (a malformed escape): its own answer
      : HttpServerResponse.setHeader(responses.methodNotAllowed, "allow", first.method)
  }
  if (path !== "/") {
    const other = path.endsWith("/") ? path.replace(/\/+$/u, "") : `${path}/`
    if (other !== "" && routes.some((route) => route.pattern.test(other))) {
      const location = `${host === undefined ? "" : `http://${host}`}${other}${url.slice(pathOf(url).length)}`
      // Starlette's RedirectResponse: an empty body with its length (not a chunked one)
      return HttpServerResponse.empty({ status: 307, headers: { location, "content-length": "0" } })
    }
  }
  return responses.notFound
}

/**
 * The known routes of an api and of the application's extra routes (`[method, path]`), in order.
 *
 * @since 0.0.0
 * @category constructors
 */
export const routesOf = <ApiId extends string, Groups extends HttpApiGroup.Constraint>(
  api: HttpApi.HttpApi<ApiId, Groups>,
  extra: ReadonlyArray<readonly [string, string]> = []
): ReadonlyArray<Known> => {
  const routes: Array<Known> = []
  HttpApi.reflect(api, {
    onGroup: () => {},
    onEndpoint: ({ endpoint }) => {
      routes.push({ method: endpoint.method.toUpperCase(), pattern: matcher(endpoint.path) })
    }
  })
  for (const [method, path] of extra) routes.push({ method, pattern: matcher(path) })
  return routes
}

/**
 * The fallback as a global router middleware, for `api` and the routes served beside it (`[method, path]`, e.g.
 * `["GET", "/docs"]`).
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = <ApiId extends string, Groups extends HttpApiGroup.Constraint>(
  api: HttpApi.HttpApi<ApiId, Groups>,
  extra: ReadonlyArray<readonly [string, string]> = []
) => {
  const routes = routesOf(api, extra)
  return HttpRouter.middleware<{ handles: HttpServerError.HttpServerError }>()(
    (httpEffect) =>
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        if (request.method === "HEAD") {
          const head = answer(routes, "HEAD", request.url, request.headers["host"])
          if (head !== undefined) return Effect.succeed(head)
        }
        return Effect.catch(httpEffect, (error) => {
          if (!HttpServerError.isHttpServerError(error) || error.reason._tag !== "RouteNotFound") {
            return Effect.fail(error)
          }
          return Effect.succeed(
            answer(routes, request.method, request.url, request.headers["host"]) ?? responses.notFound
          )
        })
      }),
    { global: true }
  )
}
