import * as Mailer from "@effect-users/core/Mailer"
import * as PasswordHasher from "@effect-users/core/PasswordHasher"
import * as PasswordPolicy from "@effect-users/core/PasswordPolicy"
import * as Strategy from "@effect-users/core/Strategy"
import * as User from "@effect-users/core/User"
import * as UserHooks from "@effect-users/core/UserHooks"
import * as UserManager from "@effect-users/core/UserManager"
import * as UserRepository from "@effect-users/core/UserRepository"
import * as BearerTransport from "@effect-users/transport-http/BearerTransport"
import type * as BruteForce from "@effect-users/transport-http/BruteForce"
import * as CookieTransport from "@effect-users/transport-http/CookieTransport"
import type * as CrossSite from "@effect-users/transport-http/CrossSite"
import * as CurrentUser from "@effect-users/transport-http/CurrentUser"
import * as FastApiUsers from "@effect-users/transport-http/FastApiUsers"
import * as Hardening from "@effect-users/transport-http/Hardening"
import * as HttpTransport from "@effect-users/transport-http/HttpTransport"
import * as ValidationError from "@effect-users/transport-http/ValidationError"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Layer, Logger, Option, Redacted, Ref, Schema } from "effect"
import { type Headers, HttpClient, HttpClientRequest, HttpRouter } from "effect/http"
import type { HttpClientResponse } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { randomBytes } from "node:crypto"

/** A fast fake hasher: `fake$<password>`. */
export const fakeHasher: Layer.Layer<PasswordHasher.PasswordHasher> = Layer.succeed(PasswordHasher.PasswordHasher, {
  hash: (password) => Effect.succeed(`fake$${password}`),
  verifyAndUpdate: (password, hash) =>
    Effect.succeed({ verified: hash === `fake$${password}`, updatedHash: Option.none() }),
  generate: Effect.sync(() => randomBytes(32).toString("base64url"))
})

/** Whether the test stores are "down" (every strategy read fails with a StrategyError). */
export const outage = { strategy: false, repository: false, defect: false }

/** A tiny opaque-token strategy over the user repository (test only). */
export const opaqueStrategy: Effect.Effect<Strategy.Strategy, never, UserRepository.UserRepository | User.UserModel> =
  Effect.gen(function*() {
    const repository = yield* UserRepository.UserRepository
    const model = yield* User.UserModel
    const tokens = new Map<string, string>()
    return {
      readToken: (token) =>
        Effect.suspend((): Effect.Effect<
          Option.Option<User.User>,
          Strategy.StrategyError | UserRepository.UserRepositoryError
        > => {
          if (outage.strategy) return Effect.fail(new Strategy.StrategyError({ method: "readToken", cause: "down" }))
          if (outage.defect) return Effect.die(new Error("a defect of the strategy"))
          const id = tokens.get(token)
          if (id === undefined) return Effect.succeed(Option.none())
          return Option.match(model.id.parse(id), {
            onNone: () => Effect.succeed(Option.none()),
            onSome: (parsed) => repository.get(parsed)
          })
        }),
      writeToken: (user) =>
        Effect.sync(() => {
          const token = randomBytes(16).toString("base64url")
          tokens.set(token, model.id.format(user.id))
          return token
        }),
      destroyToken: (token) => Effect.sync(() => void tokens.delete(token)),
      destroyAllForUser: () => Effect.void
    }
  })

/** A repository that can be switched "down": every call fails with a UserRepositoryError. */
export const switchableRepository: Layer.Layer<UserRepository.UserRepository, never, User.UserModel> = Layer.effect(
  UserRepository.UserRepository,
  Effect.map(UserRepository.makeMemory, (memory) => {
    const down = <A, E>(method: string, effect: Effect.Effect<A, E>) =>
      Effect.suspend((): Effect.Effect<A, E | UserRepository.UserRepositoryError> =>
        outage.repository
          ? Effect.fail(new UserRepository.UserRepositoryError({ method, cause: "down" }))
          : effect
      )
    return {
      get: (id) => down("get", memory.get(id)),
      getByEmail: (email) => down("getByEmail", memory.getByEmail(email)),
      getByOAuthAccount: (name, id) => down("getByOAuthAccount", memory.getByOAuthAccount(name, id)),
      create: (user) => down("create", memory.create(user)),
      update: (user, patch) => down("update", memory.update(user, patch)),
      delete: (user) => down("delete", memory.delete(user)),
      addOAuthAccount: (user, account) => down("addOAuthAccount", memory.addOAuthAccount(user, account)),
      updateOAuthAccount: (user, account, patch) =>
        down("updateOAuthAccount", memory.updateOAuthAccount(user, account, patch)),
      replaceHashedPassword: (user, expected, replacement) =>
        down("replaceHashedPassword", memory.replaceHashedPassword(user, expected, replacement))
    } satisfies UserRepository.UserRepository["Service"]
  })
)

/** The messages logged at error level by the server under test. */
export const errorLogs: Array<string> = []

const recordErrors = Logger.layer([
  Logger.make(({ logLevel, message }) => {
    if (logLevel === "Error") errorLogs.push(String(Array.isArray(message) ? message[0] : message))
  })
], { mergeWithExisting: true })

/** Users the `onAfterLogin` hook saw, by e-mail. */
export const loggedIn: Array<string> = []

export const VERIFY_SECRET = "verify-secret-for-tests"

/** Core with in-memory layers (UserManager, repository, fake hasher, min-length-3 policy, memory mailer). */
export const makeCore = (model: User.RegisteredModel) =>
  UserManager.layer({
    verificationTokenSecret: Redacted.make(VERIFY_SECRET),
    resetPasswordTokenSecret: Redacted.make("reset-secret-for-tests")
  }).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        fakeHasher,
        PasswordPolicy.layerMinLength(3),
        UserHooks.layerWith({ onAfterLogin: (user) => Effect.sync(() => void loggedIn.push(user.email)) }),
        Mailer.layerMemory
      )
    ),
    Layer.provideMerge(switchableRepository),
    Layer.provideMerge(User.layerModel(model))
  )

/** Core with the default model. */
export const CoreLive = makeCore(User.defaultModel)

class Authenticated extends CurrentUser.Guard<Authenticated>()("Authenticated", { active: true }) {}
class Superuser extends CurrentUser.Guard<Superuser>()("Superuser", { active: true, superuser: true }) {}
class CookieOnly extends CurrentUser.Guard<CookieOnly>()("CookieOnly", { active: true, backends: ["cookie"] }) {}
class Maybe extends CurrentUser.OptionalGuard<Maybe>()("Maybe", { active: true }) {}

/** The application under test: bearer + cookie backends, every router, and an app group with guards. */
export const makeServer = (
  options: {
    readonly requiresVerification: boolean
    readonly model?: User.RegisteredModel
    readonly hotPath?: boolean
    /** Brute-force protection (off when absent). */
    readonly bruteForce?: Layer.Layer<BruteForce.BruteForce>
    /** The cross-site check (off when absent). */
    readonly crossSite?: Layer.Layer<CrossSite.CrossSite>
    /** The cookie backend's transport (`CookieTransport.make()` by default). */
    readonly cookieTransport?: HttpTransport.HttpTransport
    /** The users router's `requireCurrentPassword`. */
    readonly requireCurrentPassword?: boolean
  }
) => {
  const model = options.model ?? User.defaultModel
  const bearer = HttpTransport.backend(
    "bearer",
    BearerTransport.make({ tokenUrl: "auth/bearer/login" }),
    opaqueStrategy
  )
  const cookie = HttpTransport.backend("cookie", options.cookieTransport ?? CookieTransport.make(), opaqueStrategy)
  const Users = FastApiUsers.make({ backends: [bearer, cookie], model, hotPath: options.hotPath ?? true })
  const rv = { requiresVerification: options.requiresVerification }
  const AuthBearer = Users.authRouter(bearer, { prefix: "/auth/bearer", ...rv })
  const AuthCookie = Users.authRouter(cookie, { prefix: "/auth/cookie", ...rv })
  const Register = Users.registerRouter({ prefix: "/auth" })
  const Verify = Users.verifyRouter({ prefix: "/auth" })
  const Reset = Users.resetPasswordRouter({ prefix: "/auth" })
  const UsersRouter = Users.usersRouter({
    prefix: "/users",
    ...rv,
    requireCurrentPassword: options.requireCurrentPassword === true
  })
  const AppGroup = HttpApiGroup.make("app")
    .add(
      HttpApiEndpoint.get("protected", "/protected", { success: Schema.Struct({ email: Schema.String }) })
        .middleware(Authenticated),
      HttpApiEndpoint.get("admin", "/admin", { success: Schema.Struct({ email: Schema.String }) })
        .middleware(Superuser),
      HttpApiEndpoint.get("cookie-only", "/cookie-only", { success: Schema.Struct({ email: Schema.String }) })
        .middleware(CookieOnly),
      HttpApiEndpoint.get("maybe", "/maybe", { success: Schema.Struct({ email: Schema.NullOr(Schema.String) }) })
        .middleware(Maybe),
      HttpApiEndpoint.get("boom", "/boom", { success: Schema.Struct({ email: Schema.String }) }),
      HttpApiEndpoint.post("echo", "/echo", {
        payload: Schema.Struct({ name: Schema.String, age: Schema.Int }),
        success: Schema.Struct({ name: Schema.String })
      })
    )
  const Api = HttpApi.make("test")
    .add(AuthBearer, AuthCookie, Register, Verify, Reset, UsersRouter, AppGroup.middleware(ValidationError.Middleware))
    .annotate(HttpApi.ParseOptions, { errors: "all" })
    .annotateMerge(Users.openApiAnnotations({ title: "effect-users test" }))
  const email = Effect.map(CurrentUser.CurrentUser, (user) => ({ email: user.email }))
  const AppLive = HttpApiBuilder.group(Api, "app", (handlers) =>
    handlers
      .handle("protected", () => email)
      .handle("admin", () => email)
      .handle("cookie-only", () => email)
      .handle("maybe", () =>
        Effect.map(CurrentUser.OptionalCurrentUser, (user) => ({
          email: Option.match(user, { onNone: () => null, onSome: (u) => u.email })
        })))
      .handle("boom", () => Effect.die(new Error("a bug in an application's handler")))
      .handle("echo", ({ payload }) => Effect.succeed({ name: payload.name }))).pipe(
      Layer.provide([
        Users.guard(Authenticated),
        Users.guard(Superuser),
        Users.guard(CookieOnly),
        Users.optionalGuard(Maybe),
        ValidationError.layer
      ])
    )
  const ApiLive = HttpApiBuilder.layer(Api, { openapiPath: "/openapi.json" }).pipe(
    Layer.provide([
      Users.layer(Api).pipe(
        Layer.provide(options.bruteForce ?? Layer.empty),
        Layer.provide(options.crossSite ?? Layer.empty)
      ),
      AppLive
    ])
  )
  return HttpRouter.serve(Layer.mergeAll(ApiLive, Users.docs(Api), Users.fallback(Api, [["GET", "/docs"]])), {
    disableLogger: true,
    disableListenLog: true,
    routerConfig: Hardening.routerConfig
  })
    .pipe(
      Layer.provideMerge(makeCore(model)),
      Layer.provide(recordErrors)
    )
}

/** The application on a test server with an `HttpClient` pointed at it. */
export const makeApp = (
  options: {
    readonly requiresVerification: boolean
    readonly model?: User.RegisteredModel
    readonly hotPath?: boolean
    readonly bruteForce?: Layer.Layer<BruteForce.BruteForce>
    readonly crossSite?: Layer.Layer<CrossSite.CrossSite>
    readonly cookieTransport?: HttpTransport.HttpTransport
    readonly requireCurrentPassword?: boolean
  }
) => makeServer(options).pipe(Layer.provideMerge(NodeHttpServer.layerTest))

/** A response read in full. */
export interface Reply {
  readonly status: number
  readonly headers: Headers.Headers
  readonly text: string
  readonly json: unknown
}

const read = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.map(Effect.orDie(response.text), (text): Reply => {
    let json: unknown = undefined
    try {
      json = text === "" ? undefined : JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, headers: response.headers, text, json }
  })

/** Sends a request (headers optional) and reads the reply. */
export const send = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<Reply, never, HttpClient.HttpClient> =>
  Effect.flatMap(HttpClient.HttpClient, (client) => Effect.flatMap(Effect.orDie(client.execute(request)), read))

export const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  send(HttpClientRequest.post(path).pipe(HttpClientRequest.bodyJsonUnsafe(body), HttpClientRequest.setHeaders(headers)))

export const postRaw = (path: string, body: string, contentType: string, headers: Record<string, string> = {}) =>
  send(
    HttpClientRequest.post(path).pipe(
      HttpClientRequest.bodyText(body, contentType),
      HttpClientRequest.setHeaders(headers)
    )
  )

export const patch = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  send(
    HttpClientRequest.patch(path).pipe(HttpClientRequest.bodyJsonUnsafe(body), HttpClientRequest.setHeaders(headers))
  )

export const get = (path: string, headers: Record<string, string> = {}) =>
  send(HttpClientRequest.get(path).pipe(HttpClientRequest.setHeaders(headers)))

export const del = (path: string, headers: Record<string, string> = {}) =>
  send(HttpClientRequest.delete(path).pipe(HttpClientRequest.setHeaders(headers)))

export const login = (backend: "bearer" | "cookie", username: string, password: string) =>
  send(
    HttpClientRequest.post(`/auth/${backend}/login`).pipe(
      HttpClientRequest.bodyUrlParams({ username, password })
    )
  )

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

let counter = 0
/** A fresh e-mail address. */
export const freshEmail = (prefix = "user") => `${prefix}${++counter}-${randomBytes(3).toString("hex")}@example.com`

/** Creates a user directly through the manager (flags included) and logs it in with the bearer backend. */
export const createUser = (flags: {
  readonly is_active?: boolean
  readonly is_superuser?: boolean
  readonly is_verified?: boolean
} = {}) =>
  Effect.gen(function*() {
    const manager = yield* UserManager.UserManager
    const email = freshEmail()
    const user = yield* Effect.orDie(manager.create({ email, password: "secret", ...flags }, { safe: false }))
    return { user, email, password: "secret" }
  })

/** A bearer token for a user, written through the app's bearer login when the user may log in. */
export const tokenFor = (email: string) =>
  Effect.map(login("bearer", email, "secret"), (reply) => {
    const body = reply.json as { readonly access_token?: string } | undefined
    return body?.access_token ?? ""
  })

export const sentMessages = Effect.flatMap(Mailer.SentMessages, Ref.get)
