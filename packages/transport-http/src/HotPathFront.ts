/**
 * An opt-in front for the hot path on Node: `GET <users prefix>/me` answered by `node:http` itself, ahead of effect's
 * HTTP server, from a memo of the answers the router gave. Meant for a cached user repository (`UserCache`), where a
 * request needs no I/O: the framework's own per-request work is then most of the cost, and the front skips it.
 *
 * What it answers is what the router answered before for the same request, and only while that still holds: an answer
 * is remembered by its exact URL and request headers, with the backend and token that authenticated it and the user
 * they yielded; each time, the front asks that strategy again for the token (synchronously: it steps aside to the
 * router whenever the strategy would wait, e.g. on a database) and replays the remembered status, headers and body only
 * if the strategy yields the very same user object (a cache hit: the user is unchanged since, and every change evicts
 * it). Anything else — another user, none, an error, a first request — goes to the router, which answers as always
 * and refreshes the memo.
 *
 * ```ts
 * const front = HotPathFront.make()
 * NodeHttpServer.layer(front.createServer, { port })  // instead of node:http's createServer
 * Users.layer(api).pipe(Layer.provide(HotPathFront.layer(front)))
 * ```
 *
 * @since 0.0.0
 */
import { Context, Layer } from "effect"
import { IncomingMessage, type OutgoingHttpHeaders, Server, type ServerOptions, ServerResponse } from "node:http"

/**
 * What the hot path plugs into the front: `answer` gives the remembered answer to a `GET` the router answered before,
 * or `undefined` to let the router serve it; `observe` sees every `GET` the router serves (to remember its answer
 * once it is sent).
 *
 * @since 0.0.0
 * @category models
 */
export interface Hot {
  readonly answer: (request: IncomingMessage) => Remembered | undefined
  readonly observe: (request: IncomingMessage, response: ServerResponse) => void
}

/**
 * A remembered answer, replayed byte for byte.
 *
 * @since 0.0.0
 * @category models
 */
export interface Remembered {
  readonly status: number
  readonly headers: OutgoingHttpHeaders
  readonly body: string
}

/**
 * The front of one server: the `createServer` to give `NodeHttpServer.layer`, and where the hot path plugs in.
 *
 * @since 0.0.0
 * @category models
 */
export interface Front {
  /** `node:http`'s `createServer`, with the front ahead of every `request` listener. */
  readonly createServer: (options?: ServerOptions) => Server
  /** Sets what the front answers (the hot path calls it once its router is built; `undefined` turns it off). */
  readonly install: (hot: Hot | undefined) => void
  /** How many requests the front answered (for tests and benchmarks). */
  readonly answered: () => number
}

/**
 * The front, shared by the server (`createServer`) and the hot path (`layer`).
 *
 * @since 0.0.0
 * @category services
 */
export class HotPathFront extends Context.Service<HotPathFront, Front>()("@effect-users/transport-http/HotPathFront") {}

/**
 * A front with nothing installed (every request goes to the router until the hot path installs itself).
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (): Front => {
  let hot: Hot | undefined
  let answered = 0
  const serve = (request: IncomingMessage, response: ServerResponse): boolean => {
    if (hot === undefined || request.method !== "GET") return false
    const remembered = hot.answer(request)
    if (remembered === undefined) {
      hot.observe(request, response)
      return false
    }
    answered++
    response.writeHead(remembered.status, remembered.headers)
    response.end(remembered.body)
    return true
  }
  // effect's NodeHttpServer adds its own `request` listener; the front sees a request first by standing in
  // `emit`, the one place every listener is called from, and answers it there or passes it on untouched
  class FrontServer extends Server {
    override emit(event: string, ...args: Array<unknown>): boolean {
      if (event === "request") {
        const [request, response] = args
        if (request instanceof IncomingMessage && response instanceof ServerResponse && serve(request, response)) {
          return true
        }
      }
      return super.emit(event, ...args)
    }
  }
  return {
    createServer: (options = {}) => new FrontServer(options),
    install: (next) => (hot = next),
    answered: () => answered
  }
}

/**
 * Provides the front to the hot path (`FastApiUsers`' `layer`), which installs itself into it.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (front: Front): Layer.Layer<HotPathFront> => Layer.succeed(HotPathFront, front)
