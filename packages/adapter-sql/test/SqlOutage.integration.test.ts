import { SqlAccessTokenRepository, SqlMigrations, SqlUserRepository } from "@effect-users/adapter-sql"
import { AccessTokenRepository } from "@effect-users/core/AccessTokenRepository"
import * as User from "@effect-users/core/User"
import { UserRepository } from "@effect-users/core/UserRepository"
import { type PrivatePostgres, startPrivatePostgres } from "@effect-users/testing/PrivateServices"
import { freePort } from "@effect-users/testing/TestServices"
import { PgClient } from "@effect/sql-pg"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Cause, Clock, Context, Effect, Layer, Option, Redacted, Schedule } from "effect"
import { inspect } from "node:util"
import { insert } from "./checks.ts"

let cluster: PrivatePostgres

beforeAll(async () => {
  cluster = await startPrivatePostgres(await freePort(), { maxConnections: 20 })
}, 120_000)
afterAll(() => cluster?.destroy())

const elapsed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const exit = yield* Effect.exit(effect)
    return { exit, millis: (yield* Clock.currentTimeMillis) - start }
  })

describe("database outages", () => {
  it.live(
    "a dead or frozen server fails calls in bounded time with UserRepositoryError; the pool recovers",
    () =>
      Effect.gen(function*() {
        const repo = yield* UserRepository
        const user = yield* repo.create(insert("outage@example.com"))

        // stopped: connections are refused or reset
        yield* Effect.promise(() => cluster.stop())
        const down = yield* elapsed(repo.get(user.id))
        assert.isTrue(down.exit._tag === "Failure")
        if (down.exit._tag === "Failure") {
          assert.match(String(down.exit.cause), /UserRepositoryError/)
        }
        assert.isBelow(down.millis, 5_000)

        // back: the pool reconnects
        yield* Effect.promise(() => cluster.start())
        const back = yield* repo.get(user.id).pipe(
          Effect.retry({ schedule: Schedule.spaced("200 millis"), times: 25 })
        )
        assert.deepStrictEqual(Option.map(back, (u) => u.email), Option.some("outage@example.com"))

        // one log line per failure: the error inspects (as a logger prints it) on one line
        if (down.exit._tag === "Failure") {
          const text = inspect(Cause.squash(down.exit.cause))
          assert.notInclude(text, "\n", text)
          assert.match(text, /^UserRepositoryError: get: /u)
        }

        // frozen: the server accepts and answers nothing; the repository's time limit (1 s by default) applies
        yield* Effect.sync(() => cluster.freeze(true))
        const frozen = yield* elapsed(repo.getByEmail("outage@example.com"))
        const tokens = yield* AccessTokenRepository
        const frozenTokens = yield* elapsed(tokens.getByToken("t".repeat(43), Option.none()))
        yield* Effect.sync(() => cluster.freeze(false))
        assert.isTrue(frozenTokens.exit._tag === "Failure")
        if (frozenTokens.exit._tag === "Failure") {
          assert.match(String(frozenTokens.exit.cause), /AccessTokenRepositoryError/)
        }
        assert.isBelow(frozenTokens.millis, 1_500)
        assert.isTrue(frozen.exit._tag === "Failure")
        if (frozen.exit._tag === "Failure") {
          assert.match(String(frozen.exit.cause), /UserRepositoryError/)
        }
        assert.isBelow(frozen.millis, 1_500, "a frozen server is detected within about a second")

        const again = yield* repo.get(user.id).pipe(
          Effect.retry({ schedule: Schedule.spaced("200 millis"), times: 25 })
        )
        assert.isTrue(Option.isSome(again))
      }).pipe(
        Effect.provide(
          Layer.unwrap(Effect.sync(() =>
            Layer.merge(
              SqlUserRepository.layer(),
              SqlAccessTokenRepository.layer()
            ).pipe(
              Layer.provide(SqlMigrations.layer()),
              Layer.provideMerge(User.layerDefaultModel),
              Layer.provide(
                PgClient.layer({ url: Redacted.make(cluster.url), connectTimeout: "2 seconds", maxConnections: 2 })
              )
            )
          ))
        )
      ),
    120_000
  )

  it.live(
    "start-up with the database down: the layers build, calls fail with UserRepositoryError, and once the server is back the migrations run and calls succeed, without a restart",
    () =>
      Effect.gen(function*() {
        // a fresh database, so that the migrations really are still to run when the server comes back
        const database = `startup_${process.pid}`
        yield* Effect.gen(function*() {
          const admin = yield* PgClient.PgClient
          yield* admin.unsafe(`CREATE DATABASE ${database}`)
        }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(cluster.url), maxConnections: 1 })))
        yield* Effect.promise(() => cluster.stop())
        const url = cluster.url.replace(/\/postgres$/u, `/${database}`)
        const layer = Layer.merge(SqlUserRepository.layer(), SqlAccessTokenRepository.layer()).pipe(
          Layer.provide(SqlMigrations.layer({ retryEvery: "200 millis" })),
          Layer.provideMerge(User.layerDefaultModel),
          Layer.provide(PgClient.layer({ url: Redacted.make(url), connectTimeout: "1 second", maxConnections: 2 }))
        )
        yield* Effect.scoped(Effect.gen(function*() {
          const built = yield* elapsed(Layer.build(layer))
          assert.isTrue(built.exit._tag === "Success", "the layers build with the database down")
          assert.isBelow(built.millis, 3_000)
          if (built.exit._tag !== "Success") return
          const context = built.exit.value
          const repo = Context.get(context, UserRepository)
          const down = yield* elapsed(repo.getByEmail("startup@example.com"))
          assert.isTrue(down.exit._tag === "Failure")
          if (down.exit._tag === "Failure") assert.match(String(down.exit.cause), /UserRepositoryError/)
          assert.isBelow(down.millis, 1_500)

          yield* Effect.promise(() => cluster.start())
          const created = yield* repo.create(insert("startup@example.com")).pipe(
            Effect.retry({ schedule: Schedule.spaced("200 millis"), times: 50 })
          )
          const found = yield* repo.getByEmail("STARTUP@example.com")
          assert.deepStrictEqual(Option.map(found, (u) => u.id), Option.some(created.id))
        }))
      }),
    120_000
  )
})
