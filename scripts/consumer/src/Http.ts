/**
 * Everything of the application that touches `@effect-users/transport-http`: one JWT bearer backend, FastAPI Users'
 * routers at their documented prefixes and the application's own `GET /hello`, guarded like
 * `current_user(active=True)`.
 */
import type { User } from "@effect-users/core"
import { JwtStrategy } from "@effect-users/strategy-jwt"
import { BearerTransport, CurrentUser, FastApiUsers, Hardening, HttpTransport } from "@effect-users/transport-http"
import { Effect, Layer, type Redacted, Schema } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { AppUser } from "./User.ts"

/** The application's guard, FastAPI Users' `current_user(active=True)`. */
class Authenticated extends CurrentUser.Guard<Authenticated>()("Authenticated", { active: true }) {}

/** The HTTP routes: FastAPI Users' API and `GET /hello`, as one router layer. */
export const routes = (secret: Redacted.Redacted<string>) => {
  const jwt = HttpTransport.backend(
    "jwt",
    BearerTransport.make({ tokenUrl: "auth/jwt/login" }),
    JwtStrategy.make({ secret, lifetime: "1 hour" })
  )
  const Users = FastApiUsers.make({ model: AppUser, backends: [jwt] })
  const AppGroup = HttpApiGroup.make("app").add(
    HttpApiEndpoint.get("hello", "/hello", { success: Schema.Struct({ message: Schema.String }) })
      .middleware(Authenticated)
  )
  const api = HttpApi.make("consumer").add(
    Users.authRouter(jwt, { prefix: "/auth/jwt" }),
    Users.registerRouter({ prefix: "/auth" }),
    Users.verifyRouter({ prefix: "/auth" }),
    Users.resetPasswordRouter({ prefix: "/auth" }),
    Users.usersRouter({ prefix: "/users" }),
    AppGroup
  )
  const greet = (user: User.User) => ({ message: `Hello ${user.first_name}!` })
  const AppLive = HttpApiBuilder.group(
    api,
    "app",
    (handlers) => handlers.handle("hello", () => Effect.map(CurrentUser.CurrentUser, greet))
  ).pipe(Layer.provide(Users.guard(Authenticated)))
  const ApiLive = HttpApiBuilder.layer(api).pipe(Layer.provide([Users.layer(api), AppLive]))
  return HttpRouter.serve(Layer.merge(ApiLive, Users.fallback(api)), {
    disableLogger: true,
    routerConfig: Hardening.routerConfig
  })
}
