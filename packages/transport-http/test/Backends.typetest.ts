// Type tests, checked by `npm run typecheck`: a list of backends with different strategies type-checks as written,
// and the builder's layers require what every strategy requires.
import type { Strategy } from "@effect-users/core"
import * as User from "@effect-users/core/User"
import * as BearerTransport from "@effect-users/transport-http/BearerTransport"
import * as CookieTransport from "@effect-users/transport-http/CookieTransport"
import * as CurrentUser from "@effect-users/transport-http/CurrentUser"
import * as FastApiUsers from "@effect-users/transport-http/FastApiUsers"
import * as HttpTransport from "@effect-users/transport-http/HttpTransport"
import { Context, Effect } from "effect"
import type { Layer } from "effect"

class Keys extends Context.Service<Keys, string>()("typetest/Keys") {}
class Store extends Context.Service<Store, number>()("typetest/Store") {}
class StoreDown {
  readonly _tag = "StoreDown"
}

declare const strategy: Strategy.Strategy
const needsKeys: Effect.Effect<Strategy.Strategy, never, Keys> = Effect.as(Keys, strategy)
const needsStore: Effect.Effect<Strategy.Strategy, StoreDown, Store> = Effect.as(Store, strategy)

const jwt = HttpTransport.backend("jwt", BearerTransport.make({ tokenUrl: "auth/jwt/login" }), needsKeys)
const db = HttpTransport.backend("db", BearerTransport.make({ tokenUrl: "auth/db/login" }), needsStore)
const cookie = HttpTransport.backend("cookie", CookieTransport.make(), strategy)

// as written: no annotation, no union of requirements by hand
const backends = [jwt, db, cookie]
const Users = FastApiUsers.make({ model: User.defaultModel, backends })

class Authenticated extends CurrentUser.Guard<Authenticated>()("Authenticated") {}

export const guard: Layer.Layer<Authenticated, StoreDown, Keys | Store> = Users.guard(Authenticated)

// @ts-expect-error -- the builder's layers require every strategy's services: dropping one does not compile
export const missing: Layer.Layer<Authenticated, StoreDown, Keys> = Users.guard(Authenticated)

// @ts-expect-error -- an auth router takes one of the builder's backends only
export const foreign = Users.authRouter({ name: "x", transport: BearerTransport.make({ tokenUrl: "x" }) }, {
  prefix: "/auth/x"
})
