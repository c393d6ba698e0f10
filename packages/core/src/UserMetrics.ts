/**
 * The metrics effect-users records, on Effect's `Metric` module: logins, registrations, verifications and password
 * resets by outcome, the 503s answered per unavailable port, and how long password hashing takes. Their attributes
 * never hold an address, a token or a secret. Export them with any Effect metrics exporter (OpenTelemetry: see
 * docs/observability.md) or read them with `Metric.snapshot`.
 *
 * @since 0.0.0
 */
import { Clock, Effect, Metric } from "effect"

/**
 * Login attempts by `outcome` (`success`, `failure`) and, for failures, `reason` (`bad_credentials`, `inactive`,
 * `unverified`); counted by the HTTP login routes.
 *
 * @since 0.0.0
 * @category metrics
 */
export const logins = Metric.counter("effect_users_logins_total", {
  description: "Login attempts, by outcome and reason",
  incremental: true
})

const loginCounter = (attributes: Metric.Metric.Attributes): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(logins, attributes), 1)

/**
 * The login outcomes every login route counts (the auth routers' password logins, the OAuth routers' callbacks), built
 * once: `success`, or a `failure` by reason.
 *
 * @since 0.1.0
 * @category metrics
 */
export const loginOutcomes = {
  success: loginCounter({ outcome: "success" }),
  badCredentials: loginCounter({ outcome: "failure", reason: "bad_credentials" }),
  inactive: loginCounter({ outcome: "failure", reason: "inactive" }),
  unverified: loginCounter({ outcome: "failure", reason: "unverified" })
} as const

/**
 * New users by `method` (`password`: `UserManager.create`; `oauth`: a first OAuth login).
 *
 * @since 0.0.0
 * @category metrics
 */
export const registrations = Metric.counter("effect_users_registrations_total", {
  description: "Users created, by method",
  incremental: true
})

/**
 * E-mail verifications by `outcome`: `requested` (a token issued), `success`, `failure` (with `reason`, the domain
 * error's tag, e.g. `InvalidVerifyToken`).
 *
 * @since 0.0.0
 * @category metrics
 */
export const verifications = Metric.counter("effect_users_verifications_total", {
  description: "E-mail verifications, by outcome and reason",
  incremental: true
})

/**
 * Password resets by `outcome`: `requested` (a token issued), `success`, `failure` (with `reason`, the domain error's
 * tag, e.g. `InvalidResetPasswordToken`).
 *
 * @since 0.0.0
 * @category metrics
 */
export const passwordResets = Metric.counter("effect_users_password_resets_total", {
  description: "Password resets, by outcome and reason",
  incremental: true
})

/**
 * Requests answered 503 because a port was unavailable, by `port`: the tag of the port's error (`UserRepositoryError`,
 * `StrategyError`, `PasswordHasherBusy`...).
 *
 * @since 0.0.0
 * @category metrics
 */
export const unavailable = Metric.counter("effect_users_unavailable_total", {
  description: "503 answers, by the unavailable port",
  incremental: true
})

/**
 * Seconds a password hash or verification took, by `operation` (`hash`, `verify`), from 1 ms to about 16 s.
 *
 * @since 0.0.0
 * @category metrics
 */
export const passwordHashDuration = Metric.histogram("effect_users_password_hash_duration_seconds", {
  description: "Time to hash or verify a password",
  boundaries: Metric.exponentialBoundaries({ start: 0.001, factor: 2, count: 15 })
})

/**
 * Adds one to `counter` under `attributes` (build the attributed counters once where a path is hot).
 *
 * @since 0.0.0
 * @category combinators
 */
export const increment = (
  counter: Metric.Counter<number>,
  attributes: Metric.Metric.Attributes
): Effect.Effect<void> => Metric.update(Metric.withAttributes(counter, attributes), 1)

const hashTimer = Metric.withAttributes(passwordHashDuration, { operation: "hash" })
const verifyTimer = Metric.withAttributes(passwordHashDuration, { operation: "verify" })

/**
 * Records how long `effect` (a hash, or a verification when `operation` is `verify`) took, whatever its outcome.
 *
 * @since 0.0.0
 * @category combinators
 */
export const timeHash = <A, E, R>(
  operation: "hash" | "verify",
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeNanos
    const exit = yield* Effect.exit(effect)
    const took = Number((yield* Clock.currentTimeNanos) - started) / 1e9
    yield* Metric.update(operation === "hash" ? hashTimer : verifyTimer, took)
    return yield* exit
  })
