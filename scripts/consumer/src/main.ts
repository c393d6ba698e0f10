/**
 * A fresh application on the published packages: PostgreSQL at `DATABASE_URL`, the server on `PORT`.
 */
import { SqlAccessTokenRepository, SqlMigrations, SqlUserRepository } from "@effect-users/adapter-sql"
import { Mailer, PasswordHasher, PasswordPolicy, User, UserHooks, UserManager } from "@effect-users/core"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Layer, Redacted } from "effect"
import { createServer } from "node:http"
import { routes } from "./Http.ts"
import { AppUser, tables } from "./User.ts"

const secret = Redacted.make("a secret of the consumer test, 32 bytes or more")

const Storage = Layer.mergeAll(SqlUserRepository.layer(tables), SqlAccessTokenRepository.layer(tables)).pipe(
  Layer.provide(SqlMigrations.layer(tables)),
  Layer.provideMerge(User.layerModel(AppUser)),
  Layer.provide(PgClient.layerConfig({ url: Config.Redacted("DATABASE_URL") }))
)

const Services = UserManager.layer({ verificationTokenSecret: secret, resetPasswordTokenSecret: secret }).pipe(
  Layer.provideMerge(Layer.mergeAll(
    UserHooks.layerWith({ onAfterRegister: (user) => Effect.logInfo(`registered ${user.first_name}`) }),
    Mailer.layerConsole,
    PasswordHasher.layer(),
    PasswordPolicy.layerMinLength(8)
  )),
  Layer.provideMerge(Storage)
)

const Server = Layer.unwrap(
  Effect.map(Config.Port("PORT"), (port) => NodeHttpServer.layer(createServer, { port, host: "127.0.0.1" }))
)

const Main = routes(secret).pipe(
  Layer.provide(Server),
  Layer.provide(Services),
  Layer.tap(() => Effect.sync(() => console.log("consumer app: listening")))
)

NodeRuntime.runMain(Layer.launch(Main))
