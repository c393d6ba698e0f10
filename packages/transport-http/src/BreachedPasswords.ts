/**
 * The breached-password check (NIST SP 800-63B-4: refuse passwords known from breaches) in front of the
 * application's `PasswordPolicy`, by k-anonymity range queries in the format of Have I Been Pwned's range API: the
 * SHA-1 of the password is computed here, only its first 5 hexadecimal characters are sent
 * (`GET <endpoint><prefix>`, with `Add-Padding: true`), and the answer's `SUFFIX:COUNT` lines are searched here, so
 * the service never learns the password or its hash. Through effect's `HttpClient`, against a configurable endpoint
 * (a mirror of your own, or `https://api.pwnedpasswords.com/range/`).
 *
 * When the service cannot answer within `timeout`, the application chooses: `"accept"` (fail open, logged) or
 * `"refuse"` (fail closed: the password is refused with a reason saying to try again).
 *
 * ```ts
 * const Policy = BreachedPasswords.layer({ endpoint: "https://api.pwnedpasswords.com/range/", onUnavailable: "accept" })
 *   .pipe(Layer.provide([PasswordPolicy.layerNist(), FetchHttpClient.layer]))
 * ```
 *
 * @since 0.0.0
 */
import { PasswordPolicy } from "@effect-users/core/PasswordPolicy"
import { InvalidPassword } from "@effect-users/core/UserError"
import { Duration, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { createHash } from "node:crypto"

/**
 * The check's options.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  /** The range API's base URL, to which the 5-character prefix is appended (e.g. `https://host/range/`). */
  readonly endpoint: string
  /** What to do when the service does not answer in time or answers an error: accept (fail open) or refuse. */
  readonly onUnavailable: "accept" | "refuse"
  /** How long one query may take: 2 seconds by default. */
  readonly timeout?: Duration.Input
  /** How many breaches make a password refused: 1 (any) by default. */
  readonly minimumCount?: number
}

/** The SHA-1 of a password, upper-case hexadecimal, as the range API indexes it. */
const sha1 = (password: string): string => createHash("sha1").update(password, "utf8").digest("hex").toUpperCase()

/** How many breaches a range answer lists for `suffix` (padding lines count 0). */
const countIn = (body: string, suffix: string): number => {
  for (const line of body.split("\n")) {
    const colon = line.indexOf(":")
    if (colon < 0 || line.slice(0, colon).trim().toUpperCase() !== suffix) continue
    const count = Number.parseInt(line.slice(colon + 1).trim(), 10)
    return Number.isFinite(count) ? count : 0
  }
  return 0
}

const breached = new InvalidPassword({ reason: "Password has appeared in a data breach" })
const unavailable = new InvalidPassword({
  reason: "Password could not be checked against known breaches; try again later"
})

/**
 * The application's `PasswordPolicy` followed by the breached-password check (run only for passwords the policy
 * accepted).
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<PasswordPolicy, never, PasswordPolicy | HttpClient.HttpClient> =>
  Layer.effect(
    PasswordPolicy,
    Effect.gen(function*() {
      const inner = yield* PasswordPolicy
      const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk)
      const timeout = Duration.fromInputUnsafe(options.timeout ?? "2 seconds")
      const minimum = options.minimumCount ?? 1
      const query = (password: string): Effect.Effect<void, InvalidPassword> => {
        const hash = sha1(password)
        const request = HttpClientRequest.get(`${options.endpoint}${hash.slice(0, 5)}`).pipe(
          HttpClientRequest.setHeader("add-padding", "true")
        )
        return client.execute(request).pipe(
          Effect.flatMap((response) => response.text),
          Effect.timeout(timeout),
          Effect.matchEffect({
            onFailure: (error) =>
              options.onUnavailable === "accept"
                ? Effect.logWarning("BreachedPasswords: the range API is unavailable; accepting the password", error)
                : Effect.fail(unavailable),
            onSuccess: (body) => countIn(body, hash.slice(5)) >= minimum ? Effect.fail(breached) : Effect.void
          })
        )
      }
      return { validate: (password, user) => Effect.andThen(inner.validate(password, user), query(password)) }
    })
  )
