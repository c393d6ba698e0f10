/**
 * The brute-force middleware of the routers' protected endpoints (login, register, forgot-password,
 * request-verify-token, reset-password, verify): it reads the client's address, the account the body names and the
 * device cookie, asks `BruteForce`, and delays, refuses (429 with `Retry-After`) or lets the request through; a
 * successful login gets the device cookie. With no `BruteForce` provided it returns each endpoint's handler
 * unchanged when the routes are built, so the feature off costs nothing per request.
 *
 * @since 0.0.0
 */
import { Context, Duration, Effect, Layer, Option } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import type { Route } from "./BruteForce.ts"
import { BruteForce } from "./BruteForce.ts"
import { detailResponse } from "./ErrorResponse.ts"
import { unavailable } from "./internal/authenticate.ts"
import * as DeviceCookie from "./internal/DeviceCookie.ts"
import * as LoginForm from "./internal/LoginForm.ts"
import { ParsedBody } from "./internal/ParsedBody.ts"

/**
 * What a protected endpoint is (an endpoint annotation, read once at build time): its route, and where its body
 * names the account (the login form's `username`, a JSON body's `email`, or nowhere).
 *
 * @since 0.0.0
 * @category annotations
 */
export class Protected extends Context.Service<Protected, {
  readonly route: Route
  readonly account: "username" | "email" | "none"
}>()("@effect-users/transport-http/BruteForceMiddleware/Protected") {}

/**
 * The middleware's key; the routers' protected endpoints carry it with a `Protected` annotation.
 *
 * @since 0.0.0
 * @category middleware
 */
export class Middleware extends HttpApiMiddleware.Service<Middleware>()(
  "@effect-users/transport-http/BruteForceMiddleware"
) {}

// longer than any e-mail address: an attacker cannot grow the store's keys without bound
const MAX_ACCOUNT = 320

const normalise = (value: unknown): Option.Option<string> =>
  typeof value === "string" && value.trim() !== ""
    ? Option.some(value.trim().toLowerCase().slice(0, MAX_ACCOUNT))
    : Option.none()

const accountOf = (
  request: HttpServerRequest.HttpServerRequest,
  from: "username" | "email" | "none"
): Effect.Effect<Option.Option<string>> => {
  switch (from) {
    case "none":
      return Effect.succeed(Option.none())
    case "username":
      return Effect.map(LoginForm.fields(request), (fields) => normalise(fields["username"]))
    case "email":
      return Effect.map(
        Effect.serviceOption(ParsedBody),
        (body) =>
          Option.flatMap(
            body,
            ({ value }) =>
              typeof value === "object" && value !== null && "email" in value ? normalise(value.email) : Option.none()
          )
      )
  }
}

const tooMany = (retryAfter: Duration.Duration) =>
  detailResponse(429, "Too Many Requests").pipe(
    HttpServerResponse.setHeader("retry-after", String(Math.max(1, Math.ceil(Duration.toMillis(retryAfter) / 1000))))
  )

/**
 * The middleware's implementation (the builder provides it): on when the application provides `BruteForce`.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer: Layer.Layer<Middleware> = Layer.effect(
  Middleware,
  Effect.map(Effect.serviceOption(BruteForce), (found) => (httpEffect, { endpoint }) => {
    const spec = Context.getOption(endpoint.annotations, Protected)
    if (Option.isNone(found) || Option.isNone(spec)) return httpEffect
    const protection = found.value
    const { account: from, route } = spec.value
    const device = protection.device
    const login = route === "login"
    const knows = (request: HttpServerRequest.HttpServerRequest, account: Option.Option<string>): boolean => {
      const cookie = login ? request.cookies[device.name] : undefined
      return cookie !== undefined && Option.isSome(account) &&
        DeviceCookie.recognises(device.secret, account.value, cookie)
    }
    // a successful login makes this browser a known device of the account
    const remember = (response: HttpServerResponse.HttpServerResponse, account: Option.Option<string>) =>
      !login || Option.isNone(account) || response.status >= 300
        ? response
        : HttpServerResponse.setCookieUnsafe(response, device.name, DeviceCookie.issue(device.secret, account.value), {
          httpOnly: true,
          secure: device.secure,
          sameSite: "strict",
          path: "/",
          maxAge: Duration.seconds(device.maxAge)
        })
    return Effect.flatMap(
      HttpServerRequest.HttpServerRequest,
      (request) =>
        Effect.flatMap(accountOf(request, from), (account) =>
          Effect.matchEffect(
            protection.check({
              route,
              address: protection.clientAddress(request),
              account,
              knownDevice: knows(request, account)
            }),
            {
              onFailure: unavailable,
              onSuccess: (verdict) => {
                if (verdict._tag === "Refuse") return Effect.succeed(tooMany(verdict.retryAfter))
                const answered = Effect.map(httpEffect, (response) => remember(response, account))
                return Duration.isGreaterThan(verdict.delay, Duration.zero)
                  ? Effect.andThen(Effect.sleep(verdict.delay), answered)
                  : answered
              }
            }
          ))
    )
  })
)
