/**
 * Brute-force protection on Redis (effect's `RateLimiter` Redis store over `NodeRedis`): two processes' limiters on
 * one Redis share their counters, and an unreachable Redis is a 503 within the protection's bound, recovered from
 * without a restart.
 */
import { requireUrl } from "@effect-users/testing/TestServices"
import * as BruteForce from "@effect-users/transport-http/BruteForce"
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Context, Deferred, Effect, Layer, Option, Schedule } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { createServer } from "node:net"

const prefix = () => `effect-users-test:bruteforce:${process.pid}:${randomBytes(4).toString("hex")}:`

const attempt = (account: string, address = "10.9.0.1"): BruteForce.Attempt => ({
  route: "login",
  address,
  account: Option.some(account),
  knownDevice: false
})

/** A limiter of its own (its own Redis client, as another process would have) on `url`. */
const limiterOn = (url: string, options: BruteForce.Options) =>
  Layer.build(BruteForce.layerRedis(options).pipe(Layer.provide(NodeRedis.layer({ url })))).pipe(
    Effect.map((context) => Context.get(context, BruteForce.BruteForce))
  )

/** A free loopback port, as the kernel hands one out. */
const freePort = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** A private `redis-server` (no persistence) on `port`, killed when the scope closes. */
const privateRedis = (port: number) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const ready = yield* Deferred.make<ChildProcess, Error>()
      const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", ""], {
        stdio: ["ignore", "pipe", "ignore"]
      })
      let output = ""
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes("Ready to accept connections")) Deferred.doneUnsafe(ready, Effect.succeed(child))
      })
      child.on("exit", () => Deferred.doneUnsafe(ready, Effect.fail(new Error(`redis-server exited: ${output}`))))
      return yield* Deferred.await(ready).pipe(Effect.timeout("10 seconds"))
    }),
    (child) => Effect.sync(() => void child.kill("SIGKILL"))
  )

const stop = (child: ChildProcess) =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
    child.kill("SIGKILL")
  })

describe("BruteForce on Redis", () => {
  it.live("two processes share the counters of one account", () =>
    Effect.gen(function*() {
      const url = requireUrl("REDIS_URL")
      const options: BruteForce.Options = {
        prefix: prefix(),
        account: { limit: 4, window: "1 minute" },
        pair: { limit: 100, window: "1 minute" },
        delay: { free: 100 }
      }
      const one = yield* limiterOn(url, options)
      const two = yield* limiterOn(url, options)
      const tags: Array<string> = []
      for (const limiter of [one, two, one, two, one, two]) {
        tags.push((yield* limiter.check(attempt("victim@example.com", `10.9.0.${tags.length}`)))._tag)
      }
      assert.deepStrictEqual(tags, ["Allow", "Allow", "Allow", "Allow", "Refuse", "Refuse"])
      assert.strictEqual((yield* two.check(attempt("other@example.com")))._tag, "Allow")
    }))
  it.live(
    "Redis down: the check fails within its bound (503 at HTTP), and works again once Redis is back",
    () =>
      Effect.gen(function*() {
        const port = yield* freePort
        const server = yield* privateRedis(port)
        const limiter = yield* limiterOn(`redis://127.0.0.1:${port}`, { prefix: prefix(), timeout: "500 millis" })
        assert.strictEqual((yield* limiter.check(attempt("a@example.com")))._tag, "Allow")
        yield* stop(server)
        const start = yield* Clock.currentTimeMillis
        const failed = yield* Effect.flip(limiter.check(attempt("a@example.com")))
        const took = (yield* Clock.currentTimeMillis) - start
        assert.strictEqual(failed._tag, "BruteForceStoreError")
        assert.isBelow(took, 1500, `failed after ${took} ms`)
        yield* privateRedis(port)
        // node-redis reconnects by itself: the same limiter works again, no restart
        const back = yield* limiter.check(attempt("a@example.com")).pipe(
          Effect.retry({ times: 40, schedule: Schedule.spaced("250 millis") })
        )
        assert.strictEqual(back._tag, "Allow")
      }),
    30_000
  )
})
