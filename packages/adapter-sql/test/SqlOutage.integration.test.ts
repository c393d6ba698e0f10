import { SqlAccessTokenRepository, SqlMigrations, SqlUserRepository } from "@effect-users/adapter-sql"
import { AccessTokenRepository } from "@effect-users/core/AccessTokenRepository"
import * as User from "@effect-users/core/User"
import { UserRepository } from "@effect-users/core/UserRepository"
import { PgClient } from "@effect/sql-pg"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Clock, Effect, Layer, Option, Redacted, Schedule } from "effect"
import { insert } from "./checks.ts"
import type { Cluster } from "./outage.ts"
import { makeCluster } from "./outage.ts"

let cluster: Cluster

beforeAll(() => {
  cluster = makeCluster(54400 + (process.pid % 500))
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
        cluster.stop()
        const down = yield* elapsed(repo.get(user.id))
        assert.isTrue(down.exit._tag === "Failure")
        if (down.exit._tag === "Failure") {
          assert.match(String(down.exit.cause), /UserRepositoryError/)
        }
        assert.isBelow(down.millis, 5_000)

        // back: the pool reconnects
        cluster.start()
        const back = yield* repo.get(user.id).pipe(
          Effect.retry({ schedule: Schedule.spaced("200 millis"), times: 25 })
        )
        assert.deepStrictEqual(Option.map(back, (u) => u.email), Option.some("outage@example.com"))

        // frozen: the server accepts and answers nothing; the repository's time limit applies
        cluster.freeze(true)
        const frozen = yield* elapsed(repo.getByEmail("outage@example.com"))
        const tokens = yield* AccessTokenRepository
        const frozenTokens = yield* elapsed(tokens.getByToken("t".repeat(43), Option.none()))
        cluster.freeze(false)
        assert.isTrue(frozenTokens.exit._tag === "Failure")
        if (frozenTokens.exit._tag === "Failure") {
          assert.match(String(frozenTokens.exit.cause), /AccessTokenRepositoryError/)
        }
        assert.isBelow(frozenTokens.millis, 5_000)
        assert.isTrue(frozen.exit._tag === "Failure")
        if (frozen.exit._tag === "Failure") {
          assert.match(String(frozen.exit.cause), /UserRepositoryError/)
        }
        assert.isBelow(frozen.millis, 5_000)

        const again = yield* repo.get(user.id).pipe(
          Effect.retry({ schedule: Schedule.spaced("200 millis"), times: 25 })
        )
        assert.isTrue(Option.isSome(again))
      }).pipe(
        Effect.provide(
          Layer.unwrap(Effect.sync(() =>
            Layer.merge(
              SqlUserRepository.layer({ timeout: "1500 millis" }),
              SqlAccessTokenRepository.layer({ timeout: "1500 millis" })
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
})
