/**
 * FastAPI's answers for requests no route takes (FASTAPI_USERS.md §2.2, §2.4 step 1): 405 `{"detail": "Method Not
 * Allowed"}` with an `Allow` header when the path exists for other methods, else 404 `{"detail": "Not Found"}`.
 */
import { ErrorCode } from "@effect-users/transport-http"
import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"

/** What the fallback needs of an `HttpApi`: its groups' endpoints (paths already prefixed). */
export interface Routes {
  readonly groups: Readonly<
    Record<string, { readonly endpoints: Readonly<Record<string, { readonly path: string; readonly method: string }>> }>
  >
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&")

const matcher = (path: string): RegExp =>
  new RegExp(`^${path.split("/").map((part) => (part.startsWith(":") ? "[^/]+" : escape(part))).join("/")}$`, "u")

/**
 * The fallback route for `api` and the extra routes the application serves outside it (`[method, path]`).
 */
export const layer = (api: Routes, extra: ReadonlyArray<readonly [string, string]> = []) => {
  const routes: Array<{ readonly method: string; readonly pattern: RegExp }> = []
  for (const group of Object.values(api.groups)) {
    for (const endpoint of Object.values(group.endpoints)) {
      routes.push({ method: endpoint.method.toUpperCase(), pattern: matcher(endpoint.path) })
    }
  }
  for (const [method, path] of extra) routes.push({ method, pattern: matcher(path) })
  const notFound = ErrorCode.detailResponse(404, "Not Found")
  return HttpRouter.add("*", "*", (request) =>
    Effect.sync(() => {
      const path = request.url.split("?")[0] ?? "/"
      const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))]
      if (allowed.length === 0) return notFound
      return ErrorCode.detailResponse(405, "Method Not Allowed").pipe(
        HttpServerResponse.setHeader("allow", allowed.join(", "))
      )
    }))
}
