import type { DestroyNotSupported, Strategy, StrategyError } from "@effect-users/core/Strategy"
import * as UserModel from "@effect-users/core/User"
import * as UserRepository from "@effect-users/core/UserRepository"
import type { UserRepositoryError } from "@effect-users/core/UserRepository"
import * as RedisStrategy from "@effect-users/strategy-redis/RedisStrategy"
import { freePort as pickPort } from "@effect-users/testing/TestServices"
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Context, Deferred, type Duration, Effect, Layer, Option, Result, Schedule } from "effect"
import * as EffectRedis from "effect/persistence/Redis"
import type { RedisOptions } from "ioredis"
import { type ChildProcess, spawn } from "node:child_process"
import { acquireClient, createUser } from "./utils.ts"

/** A port no other test's server can take while the private Redis is down. */
const freePort = Effect.promise(pickPort)

/** A private `redis-server` on `port`, without persistence, resolved once it accepts connections. */
const startRedis = (port: number) =>
  Effect.gen(function*() {
    const ready = yield* Deferred.make<ChildProcess, Error>()
    const child = spawn("redis-server", [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no"
    ], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes("Ready to accept connections")) Deferred.doneUnsafe(ready, Effect.succeed(child))
    })
    child.on("exit", (code) =>
      Deferred.doneUnsafe(
        ready,
        Effect.fail(new Error(`redis-server exited (${code}) before it was ready: ${output}`))
      ))
    return yield* Deferred.await(ready).pipe(Effect.timeout("10 seconds"))
  })

const stopRedis = (child: ChildProcess) =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
    child.kill("SIGKILL")
  })

/** Runs `effect` and returns its outcome and how long it took, in milliseconds. */
const timed = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const result = yield* Effect.result(effect)
    return { result, millis: (yield* Clock.currentTimeMillis) - start }
  })

const Users = UserRepository.layerMemory.pipe(Layer.provideMerge(UserModel.layerDefaultModel))

/** Every strategy operation must fail with `StrategyError` within `bound` while Redis is down. */
const assertBoundedFailure = (strategy: Strategy, bound: number) =>
  Effect.gen(function*() {
    const user = yield* createUser(`down-${Math.random()}@example.com`)
    const token = "C".repeat(43)
    const operations: Record<string, Effect.Effect<void, StrategyError | DestroyNotSupported | UserRepositoryError>> = {
      readToken: Effect.asVoid(strategy.readToken(token)),
      writeToken: Effect.asVoid(strategy.writeToken(user)),
      destroyToken: strategy.destroyToken(token, user),
      destroyAllForUser: strategy.destroyAllForUser(user)
    }
    const outcomes = yield* Effect.forEach(
      Object.entries(operations),
      ([name, operation]) => Effect.map(timed(operation), (outcome) => ({ name, ...outcome })),
      { concurrency: "unbounded" }
    )
    for (const { millis, name, result } of outcomes) {
      assert.isBelow(millis, bound, `${name} took ${millis} ms`)
      assert.isTrue(Result.isFailure(result), `${name} did not fail`)
      if (Result.isFailure(result)) {
        assert.strictEqual(result.failure._tag, "StrategyError")
        if (result.failure._tag === "StrategyError") assert.strictEqual(result.failure.method, name)
      }
    }
    // a burst of concurrent reads, as under load
    const burst = yield* timed(
      Effect.all(Array.from({ length: 50 }, () => Effect.flip(strategy.readToken(token))), {
        concurrency: "unbounded"
      })
    )
    assert.isBelow(burst.millis, bound, `the burst took ${burst.millis} ms`)
    assert.isTrue(Result.isSuccess(burst.result))
    if (Result.isSuccess(burst.result)) {
      for (const error of burst.result.success) assert.strictEqual(error._tag, "StrategyError")
    }
  })

const outage = (
  clientOptions: Omit<RedisOptions, "replyMapping">,
  timeout: Duration.Input,
  bound: number,
  recovery: "next request" | "after the client's backoff"
) =>
  Effect.gen(function*() {
    const port = yield* freePort
    let server = yield* startRedis(port)
    yield* Effect.addFinalizer(() => stopRedis(server))
    const client = yield* acquireClient(`redis://127.0.0.1:${port}`, clientOptions)
    const strategy = yield* RedisStrategy.make({ lifetime: "1 hour", timeout }).pipe(
      Effect.provideService(RedisStrategy.RedisClient, client)
    )
    const user = yield* createUser("ada@example.com")
    const before = yield* strategy.writeToken(user)
    assert.isTrue(Option.isSome(yield* strategy.readToken(before)))

    yield* stopRedis(server)
    yield* assertBoundedFailure(strategy, bound)
    // still down a while later (the client is reconnecting in the background): still bounded
    yield* Effect.sleep("1500 millis")
    yield* assertBoundedFailure(strategy, bound)

    server = yield* startRedis(port)
    // with the recommended options the very next request after Redis is back succeeds, on the same client; with
    // ioredis' defaults the client reconnects on its own backoff (up to 2 s), meanwhile requests fail within the bound
    const { millis, result } = yield* timed(
      recovery === "next request"
        ? strategy.writeToken(user)
        : strategy.writeToken(user).pipe(Effect.retry({ times: 10, schedule: Schedule.spaced("100 millis") }))
    )
    assert.isTrue(Result.isSuccess(result), `the first write after the restart failed after ${millis} ms`)
    assert.isBelow(millis, recovery === "next request" ? bound : 5_000)
    if (Result.isSuccess(result)) {
      const read = yield* strategy.readToken(result.success)
      assert.deepStrictEqual(Option.map(read, (u) => u.id), Option.some(user.id))
      yield* strategy.destroyAllForUser(user)
      assert.isTrue(Option.isNone(yield* strategy.readToken(result.success)))
    }
  }).pipe(Effect.scoped, Effect.provide(Users))

describe("RedisStrategy during a Redis outage", () => {
  it.live(
    "with the recommended client options: bounded StrategyError, then recovery without a new client",
    () => outage(RedisStrategy.recommendedClientOptions, "2 seconds", 2_500, "next request"),
    { timeout: 30_000 }
  )

  it.live(
    "with ioredis' defaults (offline queue, 20 retries): the strategy's timeout still bounds every call",
    () => outage({}, "1 second", 2_000, "after the client's backoff"),
    { timeout: 30_000 }
  )

  it.live(
    "a Redis that hangs (SIGSTOP) without closing the connection: bounded StrategyError, then recovery",
    () =>
      Effect.gen(function*() {
        const port = yield* freePort
        const server = yield* startRedis(port)
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => server.kill("SIGCONT")).pipe(Effect.andThen(stopRedis(server)))
        )
        const client = yield* acquireClient(`redis://127.0.0.1:${port}`, RedisStrategy.recommendedClientOptions)
        const strategy = yield* RedisStrategy.make({ lifetime: "1 hour", timeout: "2 seconds" }).pipe(
          Effect.provideService(RedisStrategy.RedisClient, client)
        )
        const user = yield* createUser("ada@example.com")
        const before = yield* strategy.writeToken(user)
        server.kill("SIGSTOP")
        yield* assertBoundedFailure(strategy, 2_500)
        server.kill("SIGCONT")
        const { millis, result } = yield* timed(strategy.readToken(before))
        assert.isBelow(millis, 2_500)
        assert.isTrue(Result.isSuccess(result) && Option.isSome(result.success), "the first read after SIGCONT failed")
      }).pipe(Effect.scoped, Effect.provide(Users)),
    { timeout: 30_000 }
  )

  it.live(
    "on effect's Redis (NodeRedis): bounded StrategyError while Redis is down, then recovery on the same client",
    () =>
      Effect.gen(function*() {
        const port = yield* freePort
        let server = yield* startRedis(port)
        yield* Effect.addFinalizer(() => stopRedis(server))
        const context = yield* Layer.build(NodeRedis.layer({ url: `redis://127.0.0.1:${port}` }))
        const strategy = yield* RedisStrategy.makeEffectRedis({ lifetime: "1 hour", timeout: "2 seconds" }).pipe(
          Effect.provideService(EffectRedis.Redis, Context.get(context, EffectRedis.Redis))
        )
        const user = yield* createUser("ada@example.com")
        const before = yield* strategy.writeToken(user)
        assert.isTrue(Option.isSome(yield* strategy.readToken(before)))
        yield* stopRedis(server)
        yield* assertBoundedFailure(strategy, 2_500)
        server = yield* startRedis(port)
        // the scripts are gone with the restarted server: effect's Redis loads them again (NOSCRIPT)
        const { millis, result } = yield* timed(
          strategy.writeToken(user).pipe(Effect.retry({ times: 20, schedule: Schedule.spaced("250 millis") }))
        )
        assert.isTrue(Result.isSuccess(result), `no write succeeded after the restart (${millis} ms)`)
        assert.isBelow(millis, 6_000)
      }).pipe(Effect.scoped, Effect.provide(Users)),
    { timeout: 30_000 }
  )
})
