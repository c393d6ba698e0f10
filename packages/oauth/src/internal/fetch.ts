// The bridge between oauth4webapi's `customFetch` and effect's `HttpClient`: every request oauth4webapi makes goes
// through the application's `HttpClient`, bounded in real time; a failure to reach the provider rejects with
// `ConnectionFailure`, which the client maps to the port's `Unreachable` reason.
import { bounded } from "@effect-users/core/TimeLimit"
import { Effect, Stream } from "effect"
import type { Duration } from "effect"
import { HttpBody, HttpClientRequest } from "effect/http"
import type { HttpClient } from "effect/http"

/** The request could not complete: no connection, a reset, a timeout, or a gateway answering for a provider down. */
export class ConnectionFailure extends Error {
  readonly url: string
  constructor(url: string, cause: unknown) {
    super(`${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.name = "ConnectionFailure"
    this.url = url
  }
}

/** What oauth4webapi hands its `customFetch`. */
export interface FetchInit {
  readonly body: unknown
  readonly headers: Record<string, string>
  readonly method: string
  readonly signal?: AbortSignal | undefined
}

/** oauth4webapi's `customFetch`. */
export type Fetch = (url: string, init: FetchInit) => Promise<Response>

// Statuses a gateway answers for a provider that is down or overloaded: the provider is unreachable, not wrong.
const UNAVAILABLE: ReadonlySet<number> = new Set([502, 503, 504])
/** A provider's answer larger than {@link maxResponseBytes}: not a protocol answer (an invalid response, not an outage). */
export class OversizedResponse extends Error {
  constructor(url: string) {
    super(`${url}: the answer exceeds ${maxResponseBytes} bytes`)
    this.name = "OversizedResponse"
  }
}

/** The most of a provider's answer that is read (metadata, JWKS, tokens and profiles are a few KiB). */
export const maxResponseBytes = 1_048_576

// Statuses a `Response` must be built without a body for.
const NULL_BODY: ReadonlySet<number> = new Set([101, 103, 204, 205, 304])

const methodOf = (method: string): "GET" | "POST" => {
  if (method === "GET" || method === "POST") return method
  throw new TypeError(`unsupported method ${method}`)
}

const bodyOf = (body: unknown, contentType: string | undefined): HttpBody.HttpBody => {
  if (body === undefined || body === null) return HttpBody.empty
  if (body instanceof URLSearchParams) {
    return HttpBody.text(body.toString(), contentType ?? "application/x-www-form-urlencoded;charset=UTF-8")
  }
  if (typeof body === "string") return HttpBody.text(body, contentType)
  if (body instanceof Uint8Array) return HttpBody.uint8Array(body, contentType)
  throw new TypeError("unsupported request body")
}

// The body, read until it ends or exceeds the limit (a provider that streams without end is cut off, not buffered).
const readLimited = <E>(stream: Stream.Stream<Uint8Array, E>, url: string) =>
  Stream.runFoldEffect(
    stream,
    () => ({ chunks: new Array<Uint8Array>(), size: 0 }),
    (read, chunk) => {
      const size = read.size + chunk.length
      if (size > maxResponseBytes) return Effect.fail(new OversizedResponse(url))
      read.chunks.push(chunk)
      return Effect.succeed({ chunks: read.chunks, size })
    }
  ).pipe(Effect.map((read) => Buffer.concat(read.chunks, read.size)))

/** A `customFetch` on `client`, each request limited to `timeout`. */
export const make = (client: HttpClient.HttpClient, timeout: Duration.Input): Fetch => (url, init) => {
  const { "content-type": contentType, ...headers } = init.headers
  const request = HttpClientRequest.make(methodOf(init.method))(url, {
    headers,
    body: bodyOf(init.body, contentType)
  })
  const origin = new URL(url).origin
  const exchange = Effect.gen(function*() {
    const response = yield* client.execute(request)
    if (UNAVAILABLE.has(response.status)) {
      return yield* Effect.fail(new Error(`HTTP ${response.status}`))
    }
    if (Number(response.headers["content-length"]) > maxResponseBytes) {
      return yield* Effect.fail(new OversizedResponse(url))
    }
    const body = NULL_BODY.has(response.status) ? null : yield* readLimited(response.stream, url)
    return new Response(body, { status: response.status, headers: response.headers })
  }).pipe(
    bounded(timeout, origin),
    Effect.mapError((cause) => (cause instanceof OversizedResponse ? cause : new ConnectionFailure(url, cause)))
  )
  return Effect.runPromise(exchange, { signal: init.signal })
}
