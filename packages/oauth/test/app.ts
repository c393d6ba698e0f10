/**
 * The application the router tests drive: FastAPI Users' documented OAuth layout on real parts — an embedded
 * PostgreSQL (the SQL adapter, its unique index on the provider account), JWT bearer and cookie backends, the real
 * password hasher — with OpenID Connect clients pointed at the test's oidc-provider (and one at a frozen provider).
 */
import { EmbeddedPostgres, SqlAccessTokenRepository, SqlMigrations, SqlUserRepository } from "@effect-users/adapter-sql"
import { Mailer, PasswordHasher, PasswordPolicy, User, UserHooks, UserManager } from "@effect-users/core"
import { OAuthRouter, OpenIdClient } from "@effect-users/oauth"
import { JwtStrategy } from "@effect-users/strategy-jwt"
import { clientId, clientSecret } from "@effect-users/testing/OidcProvider"
import { BearerTransport, CookieTransport, FastApiUsers, Hardening, HttpTransport } from "@effect-users/transport-http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient, HttpRouter } from "effect/http"
import { HttpApi, HttpApiBuilder } from "effect/http-api"
import { createServer } from "node:http"

export const STATE_SECRET = "state-secret-for-the-oauth-router-tests"
const JWT_SECRET = Redacted.make("jwt-secret-for-the-oauth-router-tests-0123456789")

/** What the hooks saw. */
export const seen = { login: [] as Array<string>, register: [] as Array<string>, update: [] as Array<string> }

/** The routers' prefixes. */
export const prefixes = {
  bearer: "/auth/oidc",
  cookie: "/auth/oidc-cookie",
  byEmail: "/auth/oidc-email",
  associate: "/auth/associate/oidc",
  associateVerified: "/auth/associate-rv/oidc",
  down: "/auth/down"
} as const

/** The callback URLs the provider must allow for an app on `port`. */
export const callbacks = (port: number) =>
  Object.values(prefixes).map((prefix) => `http://127.0.0.1:${port}${prefix}/callback`)

export const model = User.makeModel({ readOAuthAccounts: true })

const jwtStrategy = JwtStrategy.make({ secret: JWT_SECRET, lifetime: "3600 seconds" })
const jwt = HttpTransport.backend("jwt", BearerTransport.make({ tokenUrl: "auth/jwt/login" }), jwtStrategy)
const cookie = HttpTransport.backend("cookie", CookieTransport.make({ maxAge: 3600, secure: false }), jwtStrategy)

/** The server on 127.0.0.1:`port`, its OpenID clients at `issuer` and (down) `downIssuer`. */
export const layer = (options: { readonly port: number; readonly issuer: string; readonly downIssuer: string }) => {
  const Users = FastApiUsers.make({ model, backends: [jwt, cookie] })
  const stateSecret = Redacted.make(STATE_SECRET)
  const client = (issuer: string) =>
    OpenIdClient.make({
      name: "oidc",
      issuer,
      clientId,
      clientSecret: Redacted.make(clientSecret),
      allowInsecureRequests: true,
      timeout: "1 second"
    })
  const Routes = Layer.unwrap(Effect.gen(function*() {
    const oidc = yield* client(options.issuer)
    const down = yield* client(options.downIssuer)
    const api = HttpApi.make("oauth-test").add(
      Users.authRouter(jwt, { prefix: "/auth/jwt" }),
      Users.registerRouter({ prefix: "/auth" }),
      Users.usersRouter({ prefix: "/users" }),
      OAuthRouter.make(Users, oidc, jwt, { prefix: prefixes.bearer, stateSecret }),
      OAuthRouter.make(Users, oidc, cookie, { prefix: prefixes.cookie, stateSecret }),
      OAuthRouter.make(Users, oidc, jwt, {
        prefix: prefixes.byEmail,
        stateSecret,
        associateByEmail: true,
        isVerifiedByDefault: true
      }),
      OAuthRouter.associate(Users, oidc, { prefix: prefixes.associate, stateSecret }),
      OAuthRouter.associate(Users, oidc, {
        prefix: prefixes.associateVerified,
        stateSecret,
        requiresVerification: true
      }),
      OAuthRouter.make(Users, down, jwt, { prefix: prefixes.down, stateSecret })
    ).annotateMerge(Users.openApiAnnotations({ title: "oauth test" }))
    return Layer.mergeAll(
      HttpApiBuilder.layer(api, { openapiPath: "/openapi.json" }).pipe(Layer.provide(Users.layer(api))),
      Users.fallback(api, [["GET", "/openapi.json"]])
    )
  })).pipe(Layer.provide(FetchHttpClient.layer))

  const Storage = Layer.mergeAll(SqlUserRepository.layer(), SqlAccessTokenRepository.layer()).pipe(
    Layer.provide(SqlMigrations.layer()),
    Layer.provideMerge(Users.layerModel),
    Layer.provide(EmbeddedPostgres.layer())
  )
  const Services = UserManager.layer({
    verificationTokenSecret: Redacted.make("verify-secret"),
    resetPasswordTokenSecret: Redacted.make("reset-secret")
  }).pipe(
    Layer.provideMerge(Layer.mergeAll(
      UserHooks.layerWith({
        onAfterLogin: (user) => Effect.sync(() => void seen.login.push(user.email)),
        onAfterRegister: (user) => Effect.sync(() => void seen.register.push(user.email)),
        onAfterUpdate: (user) => Effect.sync(() => void seen.update.push(user.email))
      }),
      Mailer.layerMemory,
      PasswordHasher.layer(PasswordHasher.owaspMinimum),
      PasswordPolicy.layerMinLength(3)
    )),
    Layer.provideMerge(Storage)
  )
  return HttpRouter.serve(Routes, {
    disableLogger: true,
    disableListenLog: true,
    routerConfig: Hardening.routerConfig
  }).pipe(
    Layer.provide(NodeHttpServer.layer(createServer, { port: options.port, host: "127.0.0.1" })),
    Layer.provideMerge(Services)
  )
}
