/**
 * The example application: FastAPI Users' documented setup on effect-users.
 *
 * - backends: a JWT bearer backend at `/auth/jwt` and a cookie backend at `/auth/cookie` (both JWT, one hour), a
 *   database-token backend at `/auth/db`, and a Redis backend at `/auth/redis` when `REDIS_URL` is set;
 * - routers at FastAPI Users' documented prefixes: register, verify and reset-password at `/auth`, users at
 *   `/users`;
 * - the application's own `GET /protected`, guarded like FastAPI Users' `current_user(active=True)`;
 * - storage (src/Storage.ts): MongoDB at `MONGODB_URL`, else PostgreSQL at `DATABASE_URL`, else an embedded
 *   PostgreSQL (PGlite; data in `EMBEDDED_POSTGRES_DIR`, else in memory);
 * - mail over SMTP when `SMTP_URL` is set, else a console mailer printing verify and reset tokens (src/Mail.ts);
 *   the reference password rule (at least 3 characters);
 * - traces and metrics exported over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (src/Observability.ts);
 * - `NODE_ENV=production` requires `SECRET`, SMTP and `FRONTEND_URL` and refuses the test endpoints (src/Production.ts);
 * - `/openapi.json` and an offline docs page at `/docs`;
 * - OAuth login (JWT and cookie backends) and association when an OpenID Connect provider is configured (src/OAuth.ts);
 * - with `HARDENED=1`: the `hardened` preset (brute-force limits: counters on Redis when `REDIS_URL` is set, else in
 *   memory; `TRUST_PROXY=1` counts clients by the `X-Forwarded-For` of one proxy in front; the cross-site check of
 *   cookie-authenticated requests) and NIST SP 800-63B-4's password policy (`PasswordPolicy.layerNist`);
 * - with `EFFECT_USERS_TEST_ENDPOINTS=1` only: the black-box suite's test endpoints (test/blackbox).
 */
import { Email, Mailer, PasswordHasher, PasswordPolicy, User, UserHooks, UserManager } from "@effect-users/core"
import { DbStrategy } from "@effect-users/strategy-db"
import { JwtKeySet, JwtStrategy } from "@effect-users/strategy-jwt"
import { RedisStrategy } from "@effect-users/strategy-redis"
import {
  BearerTransport,
  BruteForce,
  CookieTransport,
  CurrentUser,
  ErrorResponse,
  FastApiUsers,
  Hardened,
  Hardening,
  HotPathFront,
  HttpTransport
} from "@effect-users/transport-http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Config, Console, Context, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { randomBytes } from "node:crypto"
import { createServer } from "node:http"
import * as Mail from "./Mail.ts"
import * as OAuth from "./OAuth.ts"
import * as Observability from "./Observability.ts"
import * as Production from "./Production.ts"
import * as Storage from "./Storage.ts"

/**
 * The application's configuration, from the environment.
 */
export const AppConfig = Config.all({
  port: Config.Port("PORT").pipe(Config.withDefault(8000)),
  host: Config.String("HOST").pipe(Config.withDefault("127.0.0.1")),
  /** Signs access, verification and reset tokens; a random one (sessions lost at restart) when absent. */
  secret: Config.option(Config.Redacted("SECRET")),
  /**
   * How access tokens are signed: `HS256` with `SECRET` (the default), or `RS256`, `ES256`, `EdDSA` with the PEM
   * private key `JWT_PRIVATE_KEY` (a fresh key at each start when absent). Verify and reset tokens stay HS256.
   */
  jwtAlgorithm: Config.Literals(["HS256", "RS256", "ES256", "EdDSA"], "JWT_ALGORITHM").pipe(
    Config.withDefault("HS256")
  ),
  jwtPrivateKey: Config.option(Config.Redacted("JWT_PRIVATE_KEY")),
  redisUrl: Config.option(Config.Redacted("REDIS_URL")),
  /** Builds the auth and users routers with FastAPI Users' `requires_verification=True`. */
  requiresVerification: Config.Boolean("REQUIRES_VERIFICATION").pipe(Config.withDefault(false)),
  /**
   * The Argon2id parameters of new hashes: `owasp` (19 MiB, t=2, p=1, the default) or `fastapi` (FastAPI Users'
   * 64 MiB, t=3, p=4); `PASSWORD_HASH_NICENESS` is the hash threads' niceness (10).
   */
  passwordHash: Config.Literals(["owasp", "fastapi"], "PASSWORD_HASH").pipe(Config.withDefault("owasp")),
  passwordHashNiceness: Config.Int("PASSWORD_HASH_NICENESS").pipe(Config.withDefault(10)),
  /** How long a hash may wait for a free hashing slot before the request is shed with a 503 (the hasher's 5 s). */
  passwordHashMaxWaitMs: Config.option(Config.Int("PASSWORD_HASH_MAX_WAIT_MS")),
  /** Where users and access tokens live (src/Storage.ts): MONGODB_URL, DATABASE_URL, else embedded. */
  storage: Storage.StorageConfig,
  /**
   * Delays every mail the console mailer sends by this many milliseconds (0), to stand in for a slow mail provider:
   * forgot-password and request-verify-token must answer as fast for a known address as for an unknown one anyway.
   */
  mailerDelayMs: Config.Int("MAILER_DELAY_MS").pipe(Config.withDefault(0)),
  /** `NODE_ENV=production`: src/Production.ts lists what it requires and refuses. */
  production: Config.String("NODE_ENV").pipe(Config.withDefault(""), Config.map((env) => env === "production")),
  /** SMTP_URL, MAIL_FROM, FRONTEND_URL (src/Mail.ts). */
  mail: Mail.MailConfig,
  /** OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME (src/Observability.ts). */
  observability: Observability.ObservabilityConfig,
  /** How long a shutdown waits for the requests in flight before cutting them (SIGTERM, SIGINT). */
  shutdownTimeout: Config.Duration("SHUTDOWN_TIMEOUT").pipe(Config.withDefault(Duration.seconds(10))),
  /** The `hardened` preset (docs/security.md): off by default, FastAPI Users' contract bit for bit. */
  hardened: Config.Boolean("HARDENED").pipe(Config.withDefault(false)),
  /** Behind one reverse proxy: clients are told apart by the address it appends to `X-Forwarded-For`. */
  trustProxy: Config.Boolean("TRUST_PROXY").pipe(Config.withDefault(false)),
  /** Test-only endpoints for the black-box suite; never set it in production. */
  testEndpoints: Config.Boolean("EFFECT_USERS_TEST_ENDPOINTS").pipe(Config.withDefault(false))
})

/** The application's configuration. */
export type AppConfig = Config.Success<typeof AppConfig>

/** Token lifetime of both JWT backends (FastAPI Users' documented `lifetime_seconds=3600`). */
const LIFETIME = "3600 seconds"

/** The access tokens' signing options: HS256 with the secret, or an asymmetric key set (`JWT_ALGORITHM`). */
class JwtOptions extends Context.Service<JwtOptions, JwtStrategy.Options>()("example/JwtOptions") {}

const jwtOptions = (config: AppConfig, secret: Redacted.Redacted<string>) => {
  const algorithm = config.jwtAlgorithm
  if (algorithm === "HS256") return Layer.succeed(JwtOptions, { secret, lifetime: LIFETIME })
  return Layer.effect(
    JwtOptions,
    Effect.gen(function*() {
      const privateKey = Option.isSome(config.jwtPrivateKey)
        ? config.jwtPrivateKey.value
        : (yield* JwtKeySet.generatePem(algorithm)).privateKey
      const keys = yield* JwtKeySet.make({ algorithm, signing: { privateKey } })
      return { keys, lifetime: LIFETIME }
    })
  )
}

const jwtStrategy = Effect.flatMap(JwtOptions, JwtStrategy.make)

// Backends, in the order they are tried: a list of mixed strategies, typed as written.
const jwt = HttpTransport.backend("jwt", BearerTransport.make({ tokenUrl: "auth/jwt/login" }), jwtStrategy)
const cookie = HttpTransport.backend("cookie", CookieTransport.make({ maxAge: 3600 }), jwtStrategy)
const db = HttpTransport.backend(
  "db",
  BearerTransport.make({ tokenUrl: "auth/db/login" }),
  DbStrategy.make({ lifetime: LIFETIME })
)
/** The storage time limit (`STORAGE_TIMEOUT_MS`), which bounds the Redis calls too. */
class StorageTimeout extends Context.Service<StorageTimeout, number>()("example/StorageTimeout") {}

const redis = HttpTransport.backend(
  "redis",
  BearerTransport.make({ tokenUrl: "auth/redis/login" }),
  Effect.flatMap(StorageTimeout, (timeout) => RedisStrategy.make({ lifetime: LIFETIME, timeout }))
)

/** The application's own guard, FastAPI Users' `current_user(active=True)`. */
class Authenticated extends CurrentUser.Guard<Authenticated>()("Authenticated", { active: true }) {}

const SuperuserBody = Schema.Struct({ email: Email.Email, password: Schema.String })

/** The last verify and reset tokens per e-mail (test endpoints only). */
class TestTokens extends Context.Service<
  TestTokens,
  Map<string, { verify: string | null; reset: string | null }>
>()("example/TestTokens") {}

const remember = (tokens: TestTokens["Service"], email: string, kind: "verify" | "reset", token: string) =>
  Effect.sync(() => {
    const key = email.toLowerCase()
    const entry = tokens.get(key) ?? { verify: null, reset: null }
    entry[kind] = token
    tokens.set(key, entry)
  })

/** The test-only routes, served beside the api. */
const testPaths: ReadonlyArray<readonly [string, string]> = [["GET", "/__test__/tokens"], [
  "POST",
  "/__test__/superuser"
]]

const testRoutes = (model: User.RegisteredModel) => {
  const encodeRead = Schema.encodeSync(model.Read)
  return Layer.mergeAll(
    HttpRouter.add("GET", "/__test__/tokens", (request) =>
      Effect.map(TestTokens, (tokens) => {
        const email = new URL(request.url, "http://localhost").searchParams.get("email") ?? ""
        return ErrorResponse.jsonResponse(200, tokens.get(email.toLowerCase()) ?? { verify: null, reset: null })
      })),
    HttpRouter.add("POST", "/__test__/superuser", (request) =>
      Effect.gen(function*() {
        const body = yield* Effect.flatMap(request.json, Schema.decodeUnknownEffect(SuperuserBody))
        const manager = yield* UserManager.UserManager
        const user = yield* manager.create(
          { email: body.email, password: body.password, is_superuser: true, is_verified: true },
          { safe: false }
        )
        return ErrorResponse.jsonResponse(201, encodeRead(user))
      }).pipe(Effect.catch((error) => Effect.succeed(ErrorResponse.detailResponse(400, error._tag)))))
  )
}

// The strategy's own client layer: recommended timeouts, outages and recoveries logged once (no unhandled "error"
// events from ioredis), closed with the server.
const redisClient = (url: Redacted.Redacted<string>, timeoutMs: number) =>
  RedisStrategy.layerClientConfig({ url: Config.succeed(url) }, {
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs
  })

/** The mailer (src/Mail.ts: SMTP or the console), each message delayed by `delayMs` (a slow mail provider). */
const mailer = (base: Layer.Layer<Mailer.Mailer>, delayMs: number) =>
  delayMs <= 0 ? base : Layer.effect(
    Mailer.Mailer,
    Effect.map(Mailer.Mailer, (console): Mailer.Mailer["Service"] => ({
      sendVerifyToken: (user, token) => Effect.andThen(Effect.sleep(delayMs), console.sendVerifyToken(user, token)),
      sendResetPasswordToken: (user, token) =>
        Effect.andThen(Effect.sleep(delayMs), console.sendResetPasswordToken(user, token))
    }))
  ).pipe(Layer.provide(base))

// One layer or another, typed as either: two layers that provide the same services are one layer that may fail
// with either's errors and needs either's requirements, which TypeScript does not infer from a union by itself.
const either = <A, E1, R1, E2, R2>(
  condition: boolean,
  onTrue: () => Layer.Layer<A, E1, R1>,
  onFalse: () => Layer.Layer<A, E2, R2>
): Layer.Layer<A, E1 | E2, R1 | R2> => condition ? onTrue() : onFalse()

const matchLayer = <X, A, E1, R1, E2, R2>(
  option: Option.Option<X>,
  onNone: () => Layer.Layer<A, E1, R1>,
  onSome: (value: X) => Layer.Layer<A, E2, R2>
): Layer.Layer<A, E1 | E2, R1 | R2> => Option.isNone(option) ? onNone() : onSome(option.value)

/**
 * The whole server as a layer: HTTP on `config.host:config.port`, printing its URL and docs page once listening.
 */
export const layer = (config: AppConfig) => {
  const withRedis = Option.isSome(config.redisUrl)
  const Users = FastApiUsers.make({
    model: User.defaultModel,
    backends: withRedis ? [jwt, cookie, db, redis] : [jwt, cookie, db]
  })
  // The application's own endpoint, protected like FastAPI Users' `current_user(active=True)`: the handler gets
  // the typed `CurrentUser`; 401 without an active user.
  const AppGroup = HttpApiGroup.make("app").add(
    HttpApiEndpoint.get("protected", "/protected", { success: Schema.Struct({ message: Schema.String }) })
      .annotate(OpenApi.Summary, "Protected")
      .middleware(Authenticated)
  )
  const requiresVerification = config.requiresVerification
  // FastAPI Users' usual layout, composed freely: an auth router per backend, one more for the JWT backend that
  // refuses unverified users, and a second users router that requires verification
  const base = HttpApi.make("effect-users-example")
    .add(
      Users.authRouter(jwt, { prefix: "/auth/jwt", requiresVerification }),
      Users.authRouter(jwt, { prefix: "/auth/jwtv", requiresVerification: true }),
      Users.authRouter(cookie, { prefix: "/auth/cookie", requiresVerification }),
      Users.authRouter(db, { prefix: "/auth/db", requiresVerification }),
      Users.registerRouter({ prefix: "/auth" }),
      Users.resetPasswordRouter({ prefix: "/auth" }),
      Users.verifyRouter({ prefix: "/auth" }),
      Users.usersRouter({ prefix: "/users", requiresVerification, requireCurrentPassword: config.hardened }),
      Users.usersRouter({ prefix: "/users-rv", requiresVerification: true }),
      AppGroup
    )
    .annotateMerge(Users.openApiAnnotations({ title: "effect-users example", version: "0.0.0" }))
  const withRedisRouter = base.add(Users.authRouter(redis, { prefix: "/auth/redis", requiresVerification }))

  const AppLive = HttpApiBuilder.group(
    base,
    "app",
    (handlers) =>
      handlers.handle(
        "protected",
        () => Effect.map(CurrentUser.CurrentUser, (user) => ({ message: `Hello ${user.email}!` }))
      )
  ).pipe(
    Layer.provide(Users.guard(Authenticated))
  )

  // the routes served beside the api, for the fallback's 405s
  const extra: ReadonlyArray<readonly [string, string]> = [
    ["GET", "/openapi.json"],
    ["GET", "/docs"],
    ...(config.testEndpoints ? testPaths : [])
  ]
  const secret = Option.getOrElse(config.secret, () => Redacted.make(randomBytes(32).toString("base64url")))
  // one api, its docs page and the fallback's answers for unmatched requests
  const serve = <ApiId extends string, Groups extends HttpApiGroup.Constraint>(api: HttpApi.HttpApi<ApiId, Groups>) =>
    Layer.mergeAll(
      HttpApiBuilder.layer(api, { openapiPath: "/openapi.json" }).pipe(Layer.provide([Users.layer(api), AppLive])),
      Users.docs(api, { path: "/docs" }),
      Users.fallback(api, extra)
    )
  // with the Redis router or without, with the OAuth routers when the environment configures a provider
  // (src/OAuth.ts) or without: each api typed as it is
  const ApiRoutes = Layer.unwrap(Effect.map(
    OAuth.routers(Users, { jwt, cookie }, secret),
    (oauth) =>
      either(
        withRedis,
        () => matchLayer(oauth, () => serve(withRedisRouter), (routers) => serve(withRedisRouter.add(...routers))),
        () => matchLayer(oauth, () => serve(base), (routers) => serve(base.add(...routers)))
      )
  ))

  const tokens: TestTokens["Service"] = new Map()
  // the hooks of FastAPI Users' documented example (the console mailer prints the tokens themselves); the test
  // endpoints also remember the last tokens per address
  const hooks = UserHooks.layerWith({
    onAfterRegister: (user) => Effect.logInfo(`User ${user.id} has registered.`),
    onAfterRequestVerify: (user, token) =>
      Effect.andThen(
        Effect.logInfo(`Verification requested for user ${user.id}.`),
        config.testEndpoints ? remember(tokens, user.email, "verify", token) : Effect.void
      ),
    onAfterForgotPassword: (user, token) =>
      Effect.andThen(
        Effect.logInfo(`User ${user.id} has forgot their password.`),
        config.testEndpoints ? remember(tokens, user.email, "reset", token) : Effect.void
      )
  })

  const Stored = Storage.layer(config.storage, Users.layerModel)

  // the hardened preset; `Users.layer(api)` finds it among the services
  const hardenedOptions: Hardened.Options = {
    secret,
    bruteForce: config.trustProxy ? { clientAddress: BruteForce.forwardedFor(1) } : {}
  }
  const Protection = !config.hardened
    ? Layer.empty
    : Option.match(config.redisUrl, {
      onNone: () => Hardened.layerMemory(hardenedOptions),
      onSome: (url) =>
        // node-redis is loaded only here (about 20 MiB and part of the start otherwise)
        Hardened.layerRedis(hardenedOptions).pipe(Layer.provide(Layer.unwrap(Effect.map(
          Effect.promise(() => import("@effect/platform-node/NodeRedis")),
          (NodeRedis) => NodeRedis.layer({ url: Redacted.value(url) })
        ))))
    })

  const Services = UserManager.layer({ verificationTokenSecret: secret, resetPasswordTokenSecret: secret }).pipe(
    Layer.provideMerge(Layer.mergeAll(
      hooks,
      mailer(Mail.layer(config.mail), config.mailerDelayMs),
      PasswordHasher.layer({
        ...(config.passwordHash === "fastapi" ? PasswordHasher.fastApiUsers : PasswordHasher.owaspMinimum),
        niceness: config.passwordHashNiceness,
        ...Option.match(config.passwordHashMaxWaitMs, { onNone: () => ({}), onSome: (maxWait) => ({ maxWait }) })
      }),
      // the reference rule, or NIST SP 800-63B-4's with the hardened preset (15 characters: the password is the only factor)
      config.hardened ? PasswordPolicy.layerNist() : PasswordPolicy.layerMinLength(3),
      jwtOptions(config, secret),
      Layer.succeed(TestTokens, tokens),
      Layer.succeed(StorageTimeout, config.storage.timeoutMs),
      Protection,
      Option.match(config.redisUrl, {
        onNone: () => Layer.empty,
        onSome: (url) => redisClient(url, config.storage.timeoutMs)
      })
    )),
    Layer.provideMerge(Stored)
  )

  const routes = Layer.mergeAll(
    ApiRoutes,
    config.testEndpoints ? testRoutes(Users.model) : Layer.empty
  )

  const announce = Layer.effectDiscard(
    HttpServer.addressFormattedWith((url) =>
      Effect.gen(function*() {
        yield* Console.log(`effect-users example server listening on ${url}`)
        yield* Console.log(`  docs: ${url}/docs   OpenAPI: ${url}/openapi.json`)
        if (Option.isNone(config.mail.smtpUrl)) {
          yield* Console.log("  SMTP_URL is not set: verification and reset tokens are printed here")
        }
        if (Option.isNone(config.secret)) {
          yield* Console.log("  SECRET is not set: a random one signs the tokens (sessions end at restart)")
        }
        if (config.testEndpoints) yield* Console.log("  EFFECT_USERS_TEST_ENDPOINTS=1: test-only endpoints are on")
      })
    )
  )

  // with USER_CACHE, node:http answers a repeated GET /users/me itself while its user is still the one cached
  const front = config.storage.userCache ? HotPathFront.make() : undefined
  return Layer.mergeAll(
    HttpRouter.serve(routes, { disableLogger: true, disableListenLog: true, routerConfig: Hardening.routerConfig }),
    announce
  ).pipe(
    Layer.provide(front === undefined ? Layer.empty : HotPathFront.layer(front)),
    // the socket opens only once storage and services are up: an early request is refused, never left hanging
    Layer.provide(
      NodeHttpServer.layer(front?.createServer ?? createServer, {
        port: config.port,
        host: config.host,
        gracefulShutdownTimeout: config.shutdownTimeout
      })
    ),
    Layer.provide(Services),
    // tracing and metrics: redaction, and the OTLP exporter when configured (flushed last, at shutdown)
    Layer.provide(Observability.layer(config.observability)),
    // production mode checks the configuration before anything starts
    Layer.provide(Layer.effectDiscard(Production.check(config)))
  )
}
