/**
 * Brute-force protection of the routes that take a secret or send a message (login, register, forgot-password,
 * reset-password, request-verify-token, verify), on effect's own `RateLimiter` (fixed windows, in memory for one
 * process or on effect's `Redis` for many): each attempt counts against the client's address (IPv6 by its /64),
 * the account it names and the pair of both; past a few attempts an account or pair is answered more and more
 * slowly, past its limit with 429 and `Retry-After`. A client holding the device cookie of an earlier successful
 * login to that account is slowed by the account's limit but never refused by it, so an attack from elsewhere
 * cannot lock the owner out.
 *
 * Off unless provided: give `Users.layer(api)` one of the layers below.
 *
 * ```ts
 * HttpApiBuilder.layer(api).pipe(
 *   Layer.provide(Users.layer(api)),
 *   Layer.provide(BruteForce.layerRedis({ device: { secret } })),
 *   Layer.provide(NodeRedis.layer({ url }))
 * )
 * ```
 *
 * @since 0.0.0
 */
import { Infrastructure } from "@effect-users/core"
import { Context, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import type { HttpServerRequest } from "effect/http"
import type { Redis } from "effect/persistence"
import { RateLimiter } from "effect/persistence"
import { randomBytes } from "node:crypto"
import { addressKey } from "./internal/ClientAddress.ts"

/**
 * A limit: at most `limit` attempts per fixed `window`.
 *
 * @since 0.0.0
 * @category models
 */
export interface Rule {
  readonly limit: number
  readonly window: Duration.Input
}

/**
 * The protected routes, each with its own counters.
 *
 * @since 0.0.0
 * @category models
 */
export type Route = "login" | "register" | "forgot-password" | "reset-password" | "request-verify-token" | "verify"

/**
 * The protection's options; every field has a default.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  /** Attempts per client address (an IPv6 address by its /64): 100 per 15 minutes by default. */
  readonly address?: Rule
  /** Attempts naming one account: 20 per 15 minutes by default. */
  readonly account?: Rule
  /** Attempts from one address naming one account: 10 per 15 minutes by default. */
  readonly pair?: Rule
  /**
   * The progressive delay of an account or pair: the first `free` attempts of a window (3) are answered at once, each
   * later one after `base` (250 ms) doubled per attempt, at most `max` (4 s).
   */
  readonly delay?: { readonly free?: number; readonly base?: Duration.Input; readonly max?: Duration.Input }
  /**
   * The client's address: the connection's peer by default; behind a proxy, `forwardedFor(1)`. A request without
   * one is counted under `"unknown"`.
   */
  readonly clientAddress?: (request: HttpServerRequest.HttpServerRequest) => Option.Option<string>
  /**
   * The device cookie a successful login sets (`effect_users_device`, a year, `Secure`, `HttpOnly`,
   * `SameSite=Strict`), signed with `secret`: one random per process when absent, so several processes sharing a
   * Redis store must be given the same one.
   */
  readonly device?: {
    readonly secret?: Redacted.Redacted<string>
    readonly name?: string
    readonly maxAge?: number
    readonly secure?: boolean
  }
  /** How long one check of the store may take before the request is answered 503: 2 seconds by default. */
  readonly timeout?: Duration.Input
  /** The prefix of the limiter's keys: `effect-users:` by default. */
  readonly prefix?: string
}

/**
 * An attempt to check: the route, the client's address, the account it names (lower-cased e-mail) if any, and
 * whether the client holds a device cookie of that account.
 *
 * @since 0.0.0
 * @category models
 */
export interface Attempt {
  readonly route: Route
  readonly address: string
  readonly account: Option.Option<string>
  readonly knownDevice: boolean
}

/**
 * What to do with an attempt: let it through after `delay`, or refuse it until `retryAfter`.
 *
 * @since 0.0.0
 * @category models
 */
export type Verdict =
  | { readonly _tag: "Allow"; readonly delay: Duration.Duration }
  | { readonly _tag: "Refuse"; readonly retryAfter: Duration.Duration }

/**
 * The limiter's store could not be reached in time (answered 503).
 *
 * @since 0.0.0
 * @category errors
 */
export class BruteForceStoreError extends Schema.TaggedError<BruteForceStoreError>()("BruteForceStoreError", {
  cause: Schema.Defect()
}) {
  /** Marks the error as infrastructure: a 503 at the HTTP layer. */
  readonly [Infrastructure.TypeId] = Infrastructure.TypeId
}

/**
 * The device cookie's settings, resolved.
 *
 * @since 0.0.0
 * @category models
 */
export interface DeviceSettings {
  readonly secret: Redacted.Redacted<string>
  readonly name: string
  readonly maxAge: number
  readonly secure: boolean
}

/**
 * The protection, built: its checks and its device-cookie settings.
 *
 * @since 0.0.0
 * @category services
 */
export class BruteForce extends Context.Service<BruteForce, {
  readonly check: (attempt: Attempt) => Effect.Effect<Verdict, BruteForceStoreError>
  readonly clientAddress: (request: HttpServerRequest.HttpServerRequest) => string
  readonly device: DeviceSettings
}>()("@effect-users/transport-http/BruteForce") {}

/**
 * The client's address from the `X-Forwarded-For` a trusted proxy sets: the `hops`-th address from the right (1: the
 * address the nearest proxy saw), falling back to the connection's peer.
 *
 * @since 0.0.0
 * @category constructors
 */
export const forwardedFor = (hops: number) => (request: HttpServerRequest.HttpServerRequest): Option.Option<string> => {
  const header = request.headers["x-forwarded-for"]
  if (header === undefined) return request.remoteAddress
  const addresses = header.split(",").map((part) => part.trim()).filter((part) => part !== "")
  const found = addresses[addresses.length - hops]
  return found === undefined ? request.remoteAddress : Option.some(found)
}

/**
 * The key an address is counted under: an IPv4 address as is (an IPv4-mapped IPv6 one included), an IPv6 address by
 * its /64 (one subscriber's network), anything else lower-cased.
 *
 * @since 0.0.0
 * @category constructors
 */
export const clientKey: (address: string) => string = addressKey

const defaults = {
  address: { limit: 100, window: "15 minutes" },
  account: { limit: 20, window: "15 minutes" },
  pair: { limit: 10, window: "15 minutes" }
} as const

type Count = { readonly _tag: "Within"; readonly used: number } | {
  readonly _tag: "Over"
  readonly retryAfter: Duration.Duration
}

const over = (error: RateLimiter.RateLimiterError): Effect.Effect<Count, RateLimiter.RateLimiterError> =>
  error.reason._tag === "RateLimitExceeded"
    ? Effect.succeed({ _tag: "Over", retryAfter: error.reason.retryAfter })
    : Effect.fail(error)

/**
 * Builds the protection over effect's `RateLimiter`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<BruteForce["Service"], never, RateLimiter.RateLimiter> =>
  Effect.gen(function*() {
    const limiter = yield* RateLimiter.RateLimiter
    const prefix = options.prefix ?? "effect-users:"
    const address = options.address ?? defaults.address
    const account = options.account ?? defaults.account
    const pair = options.pair ?? defaults.pair
    const free = options.delay?.free ?? 3
    const base = Duration.toMillis(Duration.fromInputUnsafe(options.delay?.base ?? "250 millis"))
    const max = Duration.fromInputUnsafe(options.delay?.max ?? "4 seconds")
    const timeout = options.timeout ?? "2 seconds"
    const peer = options.clientAddress ?? ((request) => request.remoteAddress)
    const count = (key: string, rule: Rule): Effect.Effect<Count, RateLimiter.RateLimiterError> =>
      limiter.consume({ key: prefix + key, limit: rule.limit, window: rule.window, algorithm: "fixed-window" }).pipe(
        Effect.map((result): Count => ({ _tag: "Within", used: rule.limit - result.remaining })),
        Effect.catchTag("RateLimiterError", over)
      )
    // the first `free` attempts at once, then `base` doubled per attempt, at most `max`
    const progressive = (found: Count): Duration.Duration =>
      found._tag === "Over"
        ? max
        : found.used <= free
        ? Duration.zero
        : Duration.min(Duration.millis(base * 2 ** Math.min(found.used - free - 1, 30)), max)
    const check = (attempt: Attempt): Effect.Effect<Verdict, RateLimiter.RateLimiterError> =>
      Effect.gen(function*() {
        const ip = yield* count(`${attempt.route}:ip:${attempt.address}`, address)
        // a refused address does not count against the accounts it names
        if (ip._tag === "Over") return { _tag: "Refuse", retryAfter: ip.retryAfter } as const
        if (Option.isNone(attempt.account)) return { _tag: "Allow", delay: Duration.zero } as const
        const name = attempt.account.value
        const [byPair, byAccount] = yield* Effect.all([
          count(`${attempt.route}:pair:${attempt.address}:${name}`, pair),
          count(`${attempt.route}:account:${name}`, account)
        ], { concurrency: 2 })
        if (byPair._tag === "Over") return { _tag: "Refuse", retryAfter: byPair.retryAfter } as const
        // the account's limit slows, never refuses, a client that logged in to it before
        if (byAccount._tag === "Over" && !attempt.knownDevice) {
          return { _tag: "Refuse", retryAfter: byAccount.retryAfter } as const
        }
        return { _tag: "Allow", delay: Duration.max(progressive(byPair), progressive(byAccount)) } as const
      })
    return {
      check: (attempt) =>
        check(attempt).pipe(
          Effect.timeoutOrElse({
            duration: timeout,
            orElse: () => Effect.fail(new BruteForceStoreError({ cause: "the rate limiter's store timed out" }))
          }),
          Effect.catchTag("RateLimiterError", (error) => Effect.fail(new BruteForceStoreError({ cause: error })))
        ),
      clientAddress: (request) => addressKey(Option.getOrElse(peer(request), () => "unknown")),
      device: {
        secret: options.device?.secret ?? Redacted.make(randomBytes(32).toString("base64url")),
        name: options.device?.name ?? "effect_users_device",
        maxAge: options.device?.maxAge ?? 365 * 24 * 3600,
        secure: options.device?.secure ?? true
      }
    }
  })

/**
 * The protection over the `RateLimiter` the application provides.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<BruteForce, never, RateLimiter.RateLimiter> =>
  Layer.effect(BruteForce, make(options))

/**
 * The protection with its counters in this process's memory (one process).
 *
 * @since 0.0.0
 * @category layers
 */
export const layerMemory = (options: Options = {}): Layer.Layer<BruteForce> =>
  layer(options).pipe(Layer.provide(RateLimiter.layer), Layer.provide(RateLimiter.layerStoreMemory))

/**
 * The protection with its counters on effect's `Redis` (e.g. `NodeRedis.layer` of `@effect/platform-node`),
 * shared by every process using that Redis.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerRedis = (options: Options = {}): Layer.Layer<BruteForce, never, Redis.Redis> =>
  layer(options).pipe(Layer.provide(RateLimiter.layer), Layer.provide(RateLimiter.layerStoreRedis()))
