import type { AuthenticationBackend, Authenticator, User } from "@effect-users/core"
import { Cause, Effect, Exit, Option, Schema } from "effect"
import { HttpRouter, HttpServerRequest } from "effect/http"
import type { HttpServerResponse } from "effect/http"
import type { IncomingMessage, ServerResponse } from "node:http"
import { jsonResponse } from "../ErrorResponse.ts"
import { HotPathFront, type Remembered } from "../HotPathFront.ts"
import * as RequestBody from "../RequestBody.ts"
import * as Authenticate from "./authenticate.ts"
import { Backends } from "./Backends.ts"
import { RouterGuard } from "./RouterGuard.ts"
import type { Schemas } from "./Schemas.ts"
import * as Unexpected from "./Unexpected.ts"

/** The middlewares the users router's `GET /me` runs, which the seam does exactly. */
export const ownMiddlewares: ReadonlySet<unknown> = new Set<unknown>([RouterGuard, RequestBody.Middleware])

/** A `GET <prefix>/me` of a users router, and what its guard requires. */
export interface MeRoute {
  readonly path: string
  readonly requirements: Authenticator.Requirements
}

/** What authenticated a remembered answer: asked again each time the front replays it. */
interface Source {
  readonly backend: AuthenticationBackend.AuthenticationBackend<HttpServerRequest.HttpServerRequest, unknown>
  readonly token: string
  readonly user: User.User
  readonly body: string
}

/** Remembered answers, at most this many (the oldest dropped first). */
const capacity = 10_000

/** A request's identity for the memo: its URL and every header as received (what any transport may read). */
const keyOf = (request: IncomingMessage): string => {
  let key = request.url ?? ""
  const headers = request.rawHeaders
  for (let i = 0; i < headers.length; i++) key += `\n${headers[i]}`
  return key
}

/**
 * The hot path, in one named seam: `GET <users prefix>/me` with exactly that URL is answered ahead of the router by
 * a global router middleware (effect's public `HttpRouter.middleware`), with the same guard, the same read schema
 * and the same pre-built answers as the users router's `current_user` endpoint, which serves every other form of the
 * request (a query string, an escape) and stays declared for the OpenAPI document. The HttpApi route costs a chain of
 * middlewares and context copies that this, the most frequent request, does not need; `test/HotPath.test.ts` pins
 * that both answer alike.
 *
 * With a `HotPathFront` provided, it also installs itself into the front (see there): the answers it gives are
 * remembered with what authenticated them, and replayed by `node:http` itself while the same backend still yields the
 * same user object for the same token.
 */
export const layer = (routes: ReadonlyArray<MeRoute>, read: Schemas["read"]) =>
  HttpRouter.middleware(
    Effect.gen(function*() {
      const { authenticator } = yield* Backends
      const front = yield* Effect.serviceOption(HotPathFront)
      const context = yield* Effect.context<never>()
      const encode = Schema.encodeSync(read)
      const pending = new WeakMap<object, Source>()
      // only where the backend that answered is the first whose transport found a token: the guard tries no other
      // backend before it, so asking that backend's strategy again is all the guard would do
      const remember = Option.isNone(front)
        ? undefined
        : (request: HttpServerRequest.HttpServerRequest, session: Authenticate.Session, body: string) => {
          const first = authenticator.backends.find((backend) => Option.isSome(backend.transport.readToken(request)))
          if (first === session.backend) {
            pending.set(request.source, { backend: session.backend, token: session.token, user: session.user, body })
          }
        }
      const table = new Map<
        string,
        (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<HttpServerResponse.HttpServerResponse>
      >()
      for (const route of routes) {
        const authenticate = Authenticate.make(authenticator, route.requirements)
        table.set(route.path, (request) =>
          authenticate(request, (session) => {
            const encoded = encode(session.user)
            remember?.(request, session, JSON.stringify(encoded))
            return Effect.succeed(jsonResponse(200, encoded))
          }))
      }
      if (Option.isSome(front)) {
        const memo = new Map<string, Source & Remembered>()
        const runSync = Effect.runSyncExitWith(context)
        front.value.install({
          answer: (request) => {
            if (!table.has(request.url ?? "")) return undefined
            const key = keyOf(request)
            const remembered = memo.get(key)
            if (remembered === undefined) return undefined
            const exit = runSync(remembered.backend.strategy.readToken(remembered.token))
            if (Exit.isSuccess(exit) && Option.isSome(exit.value) && exit.value.value === remembered.user) {
              return remembered
            }
            // a strategy that waits (a database, a user no longer cached) is left to the router, which answers it
            if (Exit.isFailure(exit)) {
              const defect = Cause.squash(exit.cause)
              if (Cause.isAsyncFiberError(defect)) defect.fiber.interruptUnsafe()
            }
            memo.delete(key)
            return undefined
          },
          observe: (request: IncomingMessage, response: ServerResponse) => {
            if (!table.has(request.url ?? "")) return
            response.once("finish", () => {
              const source = pending.get(request)
              pending.delete(request)
              if (source === undefined || response.statusCode !== 200) return
              if (memo.size >= capacity) {
                const oldest = memo.keys().next()
                if (oldest.done !== true) memo.delete(oldest.value)
              }
              // the headers effect's NodeHttpServer writes for the text answer of `jsonResponse` (it hands them to
              // `writeHead` directly, so the response does not list them afterwards)
              const headers = { "content-type": "application/json", "content-length": Buffer.byteLength(source.body) }
              memo.set(keyOf(request), { ...source, status: 200, headers })
            })
          }
        })
      }
      return (httpEffect) =>
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          if (request.method !== "GET") return httpEffect
          const serve = table.get(request.url)
          return serve === undefined ? httpEffect : Effect.catchCause(serve(request), Unexpected.answer)
        })
    }),
    { global: true }
  )
