import { UserManager } from "@effect-users/core"
import { Context, Effect, Layer, Option } from "effect"
import { HttpApiMiddleware } from "effect/http-api"
import { CurrentUser } from "../CurrentUser.ts"
import { ErrorCode } from "../ErrorCode.ts"
import { detailResponse } from "../ErrorResponse.ts"
import { unavailable } from "./authenticate.ts"
import { ParsedBody } from "./ParsedBody.ts"

/** An endpoint whose password change requires the current password (the users router's option, read at build). */
export class CurrentPasswordRequired extends Context.Service<CurrentPasswordRequired, boolean>()(
  "@effect-users/transport-http/CurrentPasswordRequired"
) {}

/**
 * `PATCH /me` with `requireCurrentPassword`: a body changing `password` must carry `current_password`, checked as a
 * login is (the hasher runs either way); a missing or wrong one is FastAPI Users' 400 `UPDATE_USER_INVALID_PASSWORD`
 * with its reason. Without the option the endpoint's handler is returned unchanged.
 */
export class CurrentPassword extends HttpApiMiddleware.Service<CurrentPassword, { requires: CurrentUser }>()(
  "@effect-users/transport-http/CurrentPassword"
) {}

const refusal = (reason: string) => detailResponse(400, { code: ErrorCode.UPDATE_USER_INVALID_PASSWORD, reason })
const missing = refusal("The current password is required to change the password")
const wrong = refusal("The current password is wrong")

const field = (body: Option.Option<{ readonly value: unknown }>, key: string): unknown => {
  if (Option.isNone(body)) return undefined
  const value = body.value.value
  return typeof value === "object" && value !== null ? new Map(Object.entries(value)).get(key) : undefined
}

/** The middleware's implementation (the builder provides it). */
export const layer: Layer.Layer<CurrentPassword, never, UserManager.UserManager> = Layer.effect(
  CurrentPassword,
  Effect.map(UserManager.UserManager, (manager) => (httpEffect, { endpoint }) => {
    if (!Option.getOrElse(Context.getOption(endpoint.annotations, CurrentPasswordRequired), () => false)) {
      return httpEffect
    }
    return Effect.gen(function*() {
      const body = yield* Effect.serviceOption(ParsedBody)
      if (field(body, "password") === undefined || field(body, "password") === null) return yield* httpEffect
      const current = field(body, "current_password")
      if (typeof current !== "string" || current === "") return missing
      const user = yield* CurrentUser
      const checked = yield* Effect.result(manager.authenticate({ username: user.email, password: current }))
      if (checked._tag === "Failure") return yield* unavailable(checked.failure)
      const found = checked.success
      if (Option.isNone(found) || found.value.id !== user.id) return wrong
      return yield* httpEffect
    })
  })
)
