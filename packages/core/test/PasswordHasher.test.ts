import * as Infrastructure from "@effect-users/core/Infrastructure"
import * as PasswordHasher from "@effect-users/core/PasswordHasher"
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Logger, Option, References } from "effect"
import { CryptoError, Kdf } from "effect/crypto"
import { argon2id } from "hash-wasm"
import { readdirSync, readFileSync } from "node:fs"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { vi } from "vitest"

const PASSWORD = "correct horse battery staple"

// Produced once by FastAPI Users' own pwdlib 0.3.0 (reference venv, scripts/reference/venv.sh):
//   PasswordHash((Argon2Hasher(), BcryptHasher())) -> Argon2Hasher().hash / BcryptHasher().hash, and argon2-cffi's
//   low-level API for the legacy Argon2 variants, bcrypt 5.0.0 for the cheap bcrypt hashes.
const FIXTURES = {
  /** pwdlib's default Argon2Hasher: m=65536, t=3, p=4. */
  fastApiUsersArgon2:
    "$argon2id$v=19$m=65536,t=3,p=4$mxBIo6nD/Poxh2pxDuwZ1Q$QAZ9l6CPGCQ3/ZJZ36WO2b3tR4Uo77k5FAujj2oKH0U",
  /** pwdlib Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1): our default parameters. */
  owaspArgon2: "$argon2id$v=19$m=19456,t=2,p=1$Rv5s+dAueeQLuJjpqezrjw$w6x1RYxc4DpkETeONS2rvtFUvW6E7Jz87pPofoLr6L0",
  /** pwdlib's default BcryptHasher: $2b$, 12 rounds. */
  fastApiUsersBcrypt: "$2b$12$OBObLrBjJlv27i2lN.7jYOMRf4AIcR.kuoI4xVbcuGEmWOe7TIN3C",
  bcrypt2b: "$2b$04$6QosTBxocgp1p2wEug5xvemq7EqkOoP5loTIAiAravr2UGZncmwTa",
  bcrypt2a: "$2a$04$hNfmQg16Ocr2uGvl6iY.seJFG0NU8kZq7aUIzY3Nlgmq51dChZwuC",
  /** bcrypt of "x" * 72 (the longest password bcrypt reads in full). */
  bcrypt72: "$2b$04$ihDMfG/I1LWED9lDMVFgUe7ij7iRL43A1XhXuHCfPkCIw2CLVkYMO",
  argon2i: "$argon2i$v=19$m=64,t=1,p=1$3moRRSl2ftznYCQ2Uko6HQ$qziXLoAI3XwBc8tOhtbQ02kwvwxxIuCVE2C5Bwq47o0",
  argon2d: "$argon2d$v=19$m=64,t=1,p=2$btZBDNKMDLEuVrv4TtrTSQ$dds/jFomq08VSaYsNa0oNdJ8E3VmZlX473Z0k1gbccM",
  /** Argon2 version 16 (0x10), the original version of the algorithm. */
  argon2v16: "$argon2id$v=16$m=64,t=1,p=1$orwcB/3iRRFcqfApFoy7zw$8RiFAizW9Reo9N6+Qm7Znn0hfraioHOxZjg1GdWuSVM"
} as const

/** Python's bcrypt writes only $2a$/$2b$; $2y$ (PHP's name for the fixed algorithm) is the same as $2b$. */
const bcrypt2y = FIXTURES.bcrypt2b.replace("$2b$", "$2y$")

// Small parameters where the point is not the parameters (p=2 exercises lanes).
const SMALL = { memoryCost: 256, timeCost: 1, parallelism: 2 } as const
const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/u

type Hasher = PasswordHasher.PasswordHasher["Service"]

const IMPLEMENTATIONS = {
  "node-rs in worker threads": PasswordHasher.layer,
  "node-rs": PasswordHasher.layerNodeRs,
  native: PasswordHasher.layerNative,
  "hash-wasm": PasswordHasher.layerHashWasm,
  kdf: (options?: PasswordHasher.Options) => PasswordHasher.layerKdf(options).pipe(Layer.provide(NodeCrypto.layer))
} as const
type Name = keyof typeof IMPLEMENTATIONS
const NAMES = Object.keys(IMPLEMENTATIONS) as ReadonlyArray<Name>

/** Builds one hasher per implementation with the same options, in the test's scope. */
const hashers = (options?: PasswordHasher.Options) =>
  Effect.forEach(NAMES, (name) =>
    Layer.build(IMPLEMENTATIONS[name](options)).pipe(
      Effect.map((context) => [name, Context.get(context, PasswordHasher.PasswordHasher)] as const)
    ))

/** Runs an effect with a logger that records the lines of one level. */
const withLog = (level: "Error" | "Debug") => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const logger = Logger.make<unknown, void>((options) => {
      if (options.logLevel === level) lines.push(String(options.message))
    })
    const result = yield* effect.pipe(
      Effect.provide(Logger.layer([logger])),
      Effect.provideService(References.MinimumLogLevel, "Debug")
    )
    return { result, lines } as const
  })
const withErrorLog = withLog("Error")

const withHasher = <A, E>(
  layer: Layer.Layer<PasswordHasher.PasswordHasher, unknown>,
  f: (hasher: Hasher) => Effect.Effect<A, E>
) => Effect.flatMap(PasswordHasher.PasswordHasher, f).pipe(Effect.provide(layer))

describe("PasswordHasher", () => {
  describe("layerTest", () => {
    it.effect("hashes Argon2id with tiny parameters and verifies its own hashes", () =>
      withHasher(PasswordHasher.layerTest, (hasher) =>
        Effect.gen(function*() {
          const hash = yield* hasher.hash(PASSWORD)
          assert.match(hash, PHC)
          assert.match(hash, /^\$argon2id\$v=19\$m=64,t=1,p=1\$/u)
          assert.deepStrictEqual(yield* hasher.verifyAndUpdate(PASSWORD, hash), {
            verified: true,
            updatedHash: Option.none()
          })
          assert.deepStrictEqual(yield* hasher.verifyAndUpdate("wrong", hash), {
            verified: false,
            updatedHash: Option.none()
          })
          // Legacy bcrypt (checked in a worker thread) works under the TestClock of `it.effect` too.
          const bcrypt = yield* hasher.verifyAndUpdate(PASSWORD, FIXTURES.bcrypt2b)
          assert.isTrue(bcrypt.verified)
          assert.match(Option.getOrThrow(bcrypt.updatedHash), /^\$argon2id\$v=19\$m=64,t=1,p=1\$/u)
        })))
  })

  describe("hash", () => {
    it.live("writes a PHC string with the OWASP minimum by default, a fresh salt each time", () =>
      withHasher(PasswordHasher.layer(), (hasher) =>
        Effect.gen(function*() {
          const first = yield* hasher.hash(PASSWORD)
          const second = yield* hasher.hash(PASSWORD)
          assert.match(first, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/u)
          assert.strictEqual(first.length, 97)
          assert.notStrictEqual(first, second)
        })))

    it.live.each(NAMES)(
      "%s uses the configured parameters",
      (name) =>
        withHasher(
          IMPLEMENTATIONS[name]({ memoryCost: 512, timeCost: 2, parallelism: 3 }),
          (hasher) =>
            Effect.map(hasher.hash(PASSWORD), (hash) => {
              assert.match(hash, /^\$argon2id\$v=19\$m=512,t=2,p=3\$/u)
            })
        )
    )

    it.effect("rejects parameters Argon2 cannot take when the layer is built", () =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(
          withHasher(PasswordHasher.layer({ memoryCost: 8, parallelism: 4 }), () => Effect.void)
        )
        assert.isTrue(exit._tag === "Failure")
      }))
  })

  describe("layer", () => {
    const selected = (layer: Layer.Layer<PasswordHasher.PasswordHasher>) =>
      withLog("Debug")(withHasher(layer, () => Effect.void)).pipe(
        Effect.map(({ lines }) => lines.find((line) => line.startsWith("PasswordHasher: Argon2id with")))
      )

    it.live("picks @node-rs/argon2 when it is installed", () =>
      Effect.map(selected(PasswordHasher.layer(SMALL)), (line) => {
        assert.strictEqual(line, "PasswordHasher: Argon2id with node-rs in worker threads, m=256,t=1,p=2")
      }))

    it.live("falls back to native crypto.argon2 when @node-rs/argon2 cannot be loaded", () =>
      Effect.acquireUseRelease(
        Effect.sync(() =>
          vi.doMock("@node-rs/argon2", () => {
            throw new Error("no prebuilt binary for this platform")
          })
        ),
        () =>
          Effect.gen(function*() {
            assert.strictEqual(
              yield* selected(PasswordHasher.layer(SMALL)),
              "PasswordHasher: Argon2id with native in worker threads, m=256,t=1,p=2"
            )
            const exit = yield* Effect.exit(withHasher(PasswordHasher.layerNodeRs(SMALL), () => Effect.void))
            assert.isTrue(exit._tag === "Failure")
            // The fallback writes the same PHC strings.
            yield* withHasher(PasswordHasher.layer(SMALL), (hasher) =>
              Effect.map(hasher.verifyAndUpdate(PASSWORD, FIXTURES.owaspArgon2), (result) => {
                assert.isTrue(result.verified)
              }))
          }),
        () => Effect.sync(() => vi.doUnmock("@node-rs/argon2"))
      ))
  })

  describe("implementations verify each other's hashes", () => {
    for (const producer of NAMES) {
      it.live(`hashes of ${producer}`, () =>
        Effect.gen(function*() {
          const all = new Map(yield* hashers(SMALL))
          const hash = yield* all.get(producer)?.hash(PASSWORD) ?? Effect.die("missing")
          assert.match(hash, PHC)
          for (const [verifier, hasher] of all) {
            const right = yield* hasher.verifyAndUpdate(PASSWORD, hash)
            assert.deepStrictEqual(right, { verified: true, updatedHash: Option.none() }, `${producer} -> ${verifier}`)
            const wrong = yield* hasher.verifyAndUpdate(`${PASSWORD}!`, hash)
            assert.deepStrictEqual(wrong, { verified: false, updatedHash: Option.none() }, `${producer} -> ${verifier}`)
          }
        }))
    }

    it.live("the same inputs give byte-identical output in every implementation", () =>
      Effect.gen(function*() {
        // A hash of node-rs, verified by the others, is recomputed by each of them: equal bytes or `verified` is false.
        // Here the other direction: the default params hash from pwdlib is current for every implementation.
        for (const [name, hasher] of yield* hashers()) {
          const result = yield* hasher.verifyAndUpdate(PASSWORD, FIXTURES.owaspArgon2)
          assert.deepStrictEqual(result, { verified: true, updatedHash: Option.none() }, name)
        }
      }))
  })

  describe("verifyAndUpdate with FastAPI Users' hashes", () => {
    it.live("verifies pwdlib's Argon2 (m=65536,t=3,p=4) in every implementation and never rewrites it weaker", () =>
      Effect.gen(function*() {
        // @see issue 13: it used to be rehashed with the (weaker) current parameters on the first login.
        for (const [name, hasher] of yield* hashers(SMALL)) {
          const result = yield* hasher.verifyAndUpdate(PASSWORD, FIXTURES.fastApiUsersArgon2)
          assert.deepStrictEqual(result, { verified: true, updatedHash: Option.none() }, name)
          if (name === "node-rs") {
            const wrong = yield* hasher.verifyAndUpdate("Correct horse battery staple", FIXTURES.fastApiUsersArgon2)
            assert.deepStrictEqual(wrong, { verified: false, updatedHash: Option.none() }, name)
          }
        }
      }))

    it.live("rehashing only strengthens: weaker stored parameters are upgraded, equal or stronger ones kept", () =>
      Effect.gen(function*() {
        // The current parameters are OWASP's minimum (m=19456, t=2); stored hashes made with other parameters.
        const stored = (params: { memoryCost: number; timeCost: number; parallelism: number }) =>
          withHasher(PasswordHasher.layer(params), (hasher) => hasher.hash(PASSWORD))
        const cases = [
          { params: { memoryCost: 65_536, timeCost: 3, parallelism: 4 }, upgraded: false }, // FastAPI Users'
          { params: { memoryCost: 19_456, timeCost: 3, parallelism: 1 }, upgraded: false }, // more passes
          { params: { memoryCost: 47_104, timeCost: 1, parallelism: 1 }, upgraded: false }, // OWASP's m=46 MiB, t=1
          { params: { memoryCost: 19_456, timeCost: 2, parallelism: 2 }, upgraded: false }, // other lanes only
          { params: { memoryCost: 12_288, timeCost: 3, parallelism: 1 }, upgraded: true }, // less memory
          { params: { memoryCost: 19_456, timeCost: 1, parallelism: 1 }, upgraded: true }, // fewer passes
          { params: { memoryCost: 64, timeCost: 1, parallelism: 1 }, upgraded: true } // layerTest's
        ]
        yield* withHasher(
          PasswordHasher.layer(),
          (hasher) =>
            Effect.forEach(cases, ({ params, upgraded }) =>
              Effect.gen(function*() {
                const result = yield* hasher.verifyAndUpdate(PASSWORD, yield* stored(params))
                assert.isTrue(result.verified)
                const label = `m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}`
                assert.strictEqual(Option.isSome(result.updatedHash), upgraded, label)
                if (upgraded) assert.match(Option.getOrThrow(result.updatedHash), /\$m=19456,t=2,p=1\$/u, label)
              }))
        )
      }))

    it.live("keeps pwdlib's Argon2 current when configured with FastAPI Users' parameters", () =>
      withHasher(
        PasswordHasher.layer(PasswordHasher.fastApiUsers),
        (hasher) =>
          Effect.map(hasher.verifyAndUpdate(PASSWORD, FIXTURES.fastApiUsersArgon2), (result) => {
            assert.deepStrictEqual(result, { verified: true, updatedHash: Option.none() })
          })
      ))

    it.live("verifies pwdlib's bcrypt ($2b$, 12 rounds) and upgrades it to Argon2id", () =>
      withHasher(PasswordHasher.layerTest, (hasher) =>
        Effect.gen(function*() {
          const result = yield* hasher.verifyAndUpdate(PASSWORD, FIXTURES.fastApiUsersBcrypt)
          assert.isTrue(result.verified)
          const updated = Option.getOrThrow(result.updatedHash)
          assert.match(updated, /^\$argon2id\$v=19\$m=64,t=1,p=1\$/u)
          assert.isTrue((yield* hasher.verifyAndUpdate(PASSWORD, updated)).verified)
        })))

    it.live.each(NAMES)(
      "%s verifies bcrypt $2a$, $2b$ and $2y$",
      (name) =>
        withHasher(IMPLEMENTATIONS[name](SMALL), (hasher) =>
          Effect.gen(function*() {
            for (const hash of [FIXTURES.bcrypt2a, FIXTURES.bcrypt2b, bcrypt2y]) {
              const result = yield* hasher.verifyAndUpdate(PASSWORD, hash)
              assert.isTrue(result.verified, hash)
              assert.isTrue(Option.isSome(result.updatedHash), hash)
              assert.isFalse((yield* hasher.verifyAndUpdate("wrong", hash)).verified, hash)
            }
          }))
    )

    it.live("refuses a password over 72 bytes against a bcrypt hash, logging it, without failing", () =>
      withHasher(PasswordHasher.layerTest, (hasher) =>
        Effect.gen(function*() {
          assert.isTrue((yield* hasher.verifyAndUpdate("x".repeat(72), FIXTURES.bcrypt72)).verified)
          // bcrypt itself would accept it (it reads only the first 72 bytes).
          const { lines, result } = yield* withErrorLog(hasher.verifyAndUpdate("x".repeat(73), FIXTURES.bcrypt72))
          assert.deepStrictEqual(result, { verified: false, updatedHash: Option.none() })
          assert.strictEqual(lines.length, 1)
          assert.include(lines[0], "72 bytes")
          // 72 bytes, 71 characters: the limit is in bytes.
          const multiByte = yield* withErrorLog(hasher.verifyAndUpdate(`${"x".repeat(71)}é`, FIXTURES.bcrypt72))
          assert.isFalse(multiByte.result.verified)
          assert.strictEqual(multiByte.lines.length, 1)
        })))

    it.live("reports an unknown hash format as not verified with an error log line, never a failure", () =>
      withHasher(PasswordHasher.layerTest, (hasher) =>
        Effect.gen(function*() {
          for (
            const hash of [
              "",
              "plain-text-password",
              "$pbkdf2-sha256$29000$N2bsHcP4fw$Lm2QzEtqCxBXlC3sDQJ2h4ZJ9hs",
              "$2x$04$6QosTBxocgp1p2wEug5xvemq7EqkOoP5loTIAiAravr2UGZncmwTa",
              "$2b$03$6QosTBxocgp1p2wEug5xvemq7EqkOoP5loTIAiAravr2UGZncmwTa", // cost out of range
              "$2b$32$6QosTBxocgp1p2wEug5xvemq7EqkOoP5loTIAiAravr2UGZncmwTa",
              "$argon2id$v=19$m=65536,t=3,p=4$mxBIo6nD/Poxh2pxDuwZ1Q", // no hash field
              "$argon2id$v=19$m=65536,t=3,p=4$mxBIo6nD/Poxh2pxDuwZ1Q$", // empty hash
              "$argon2id$v=18$m=64,t=1,p=1$3moRRSl2ftznYCQ2Uko6HQ$qziXLoAI3XwBc8tOhtbQ02kwvwxxIuCVE2C5Bwq47o0"
            ]
          ) {
            const { lines, result } = yield* withErrorLog(hasher.verifyAndUpdate(PASSWORD, hash))
            assert.deepStrictEqual(result, { verified: false, updatedHash: Option.none() }, hash)
            assert.strictEqual(lines.length, 1, hash)
          }
        })))

    it.live.each(NAMES)(
      "%s verifies legacy Argon2i/Argon2d hashes it can compute, and upgrades them",
      (name) =>
        withHasher(IMPLEMENTATIONS[name](SMALL), (hasher) =>
          Effect.gen(function*() {
            for (const hash of [FIXTURES.argon2i, FIXTURES.argon2d]) {
              const { lines, result } = yield* withErrorLog(hasher.verifyAndUpdate(PASSWORD, hash))
              if (name === "kdf") {
                // effect's Kdf has only Argon2id: not verified, logged.
                assert.deepStrictEqual(result, { verified: false, updatedHash: Option.none() }, hash)
                assert.strictEqual(lines.length, 1)
              } else {
                assert.isTrue(result.verified, hash)
                assert.match(Option.getOrThrow(result.updatedHash), /^\$argon2id\$v=19\$m=256,t=1,p=2\$/u)
                assert.isFalse((yield* hasher.verifyAndUpdate("wrong", hash)).verified, hash)
              }
            }
          }))
    )

    it.live.each(NAMES)(
      "%s and Argon2 version 16",
      (name) =>
        withHasher(IMPLEMENTATIONS[name](SMALL), (hasher) =>
          Effect.gen(function*() {
            const { lines, result } = yield* withErrorLog(hasher.verifyAndUpdate(PASSWORD, FIXTURES.argon2v16))
            if (name === "node-rs" || name === "node-rs in worker threads") {
              assert.isTrue(result.verified)
              assert.isTrue(Option.isSome(result.updatedHash))
            } else {
              assert.deepStrictEqual(result, { verified: false, updatedHash: Option.none() })
              assert.strictEqual(lines.length, 1)
            }
          }))
    )

    it.live("upgrades an Argon2id hash whose parameters differ from the current ones", () =>
      Effect.gen(function*() {
        const weak = yield* withHasher(PasswordHasher.layerTest, (hasher) => hasher.hash(PASSWORD))
        yield* withHasher(PasswordHasher.layer(SMALL), (hasher) =>
          Effect.gen(function*() {
            const result = yield* hasher.verifyAndUpdate(PASSWORD, weak)
            assert.isTrue(result.verified)
            assert.match(Option.getOrThrow(result.updatedHash), /^\$argon2id\$v=19\$m=256,t=1,p=2\$/u)
          }))
      }))
  })

  describe("failures", () => {
    it.effect("a hasher malfunction is a PasswordHasherError", () =>
      Effect.gen(function*() {
        const broken = Layer.succeed(Kdf.Kdf, {
          derive: () =>
            Effect.fail(
              new CryptoError.CryptoError({
                module: "Kdf",
                method: "derive",
                reason: new CryptoError.InvalidArgument({ description: "broken" })
              })
            )
        })
        yield* withHasher(PasswordHasher.layerKdf(SMALL).pipe(Layer.provide(broken)), (hasher) =>
          Effect.gen(function*() {
            const hashError = yield* Effect.flip(hasher.hash(PASSWORD))
            assert.strictEqual(hashError._tag, "PasswordHasherError")
            const verifyError = yield* Effect.flip(hasher.verifyAndUpdate(PASSWORD, FIXTURES.owaspArgon2))
            assert.strictEqual(verifyError._tag, "PasswordHasherError")
          }))
      }))
  })

  describe("the event loop", () => {
    const STORM = 16

    /** Runs `STORM` hashes at once and samples the event loop meanwhile (delays in ms). */
    const storm = (hash: (password: string) => Promise<unknown>) =>
      Effect.promise(async () => {
        const histogram = monitorEventLoopDelay({ resolution: 1 })
        histogram.enable()
        // The sampling timer starts on the next turn of the loop: a block in this very turn would go unrecorded.
        await new Promise((resolve) => setTimeout(resolve, 5))
        const start = performance.now()
        await Promise.all(Array.from({ length: STORM }, (_, i) => hash(`password ${i}`)))
        const elapsed = performance.now() - start
        // One more turn, so that a loop blocked until the end records that last delay too.
        await new Promise((resolve) => setTimeout(resolve, 5))
        histogram.disable()
        return { elapsed, p90: histogram.percentile(90) / 1e6, max: histogram.max / 1e6 }
      })

    it.live("stays responsive during a storm of hashes at the default parameters, unlike hashing on it", () =>
      Effect.gen(function*() {
        const { memoryCost, parallelism, timeCost } = PasswordHasher.owaspMinimum
        // The bad baseline: the same storm computed by hash-wasm on the main thread.
        const onMainThread = (password: string) =>
          argon2id({
            password,
            salt: new Uint8Array(16),
            memorySize: memoryCost,
            iterations: timeCost,
            parallelism,
            hashLength: 32,
            outputType: "binary"
          })
        yield* Effect.promise(() => onMainThread("warm-up"))
        const baseline = yield* storm(onMainThread)
        const measured: Array<string> = [`main thread: ${JSON.stringify(baseline)}`]
        for (const [name, hasher] of yield* hashers()) {
          yield* hasher.hash("warm-up")
          const result = yield* storm((password) => Effect.runPromise(hasher.hash(password)))
          measured.push(`${name}: ${JSON.stringify(result)}`)
          // Compared with the baseline measured in the same run, not with absolute times (a noisy 2-core machine).
          // On the main thread the storm is one block of the loop (max = the storm's duration), and hashing one
          // hash per turn would make most samples as long as one hash: both are ruled out here.
          const oneHash = baseline.elapsed / STORM
          assert.isBelow(result.max, baseline.max / 4, measured.join("\n"))
          assert.isBelow(result.p90, oneHash / 2, measured.join("\n"))
        }
      }))
  })

  describe("sharing the machine with serving", () => {
    /** The niceness of every thread of this process (Linux: field 19 of /proc/self/task/<tid>/stat). */
    const threadNiceness = () =>
      readdirSync("/proc/self/task").map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8")
        // the command name (field 2) may hold spaces: count the fields after its closing parenthesis
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16])
      })

    it.live("hashes in worker threads that lower their own scheduling priority, and only they", () =>
      Effect.gen(function*() {
        const before = threadNiceness().filter((nice) => nice === 7).length
        yield* withHasher(
          PasswordHasher.layer({ ...SMALL, niceness: 7, maxConcurrency: 2 }),
          (hasher) =>
            Effect.gen(function*() {
              yield* Effect.all([hasher.hash(PASSWORD), hasher.hash(PASSWORD)], { concurrency: 2 })
              const niced = threadNiceness().filter((nice) => nice === 7).length - before
              // the two hash threads at niceness 7 (a thread one of them starts, e.g. for a hash engine's own lanes,
              // inherits it: at least two); the main thread (the first task) keeps the process's priority
              assert.isAtLeast(niced, 2)
              assert.notStrictEqual(threadNiceness()[0], 7)
            })
        )
        yield* withHasher(
          PasswordHasher.layer({ ...SMALL, niceness: 0, maxConcurrency: 2 }),
          (hasher) =>
            Effect.gen(function*() {
              yield* Effect.all([hasher.hash(PASSWORD), hasher.hash(PASSWORD)], { concurrency: 2 })
              assert.strictEqual(threadNiceness().filter((nice) => nice === 7).length, before)
            })
        )
      }))

    it.live("sheds a hash that finds no free slot within maxWait with PasswordHasherBusy, an infrastructure error", () =>
      // one slot, held by a slow hash (256 MiB, 4 passes: far longer than the 50 ms bound)
      withHasher(
        PasswordHasher.layer({
          memoryCost: 262_144,
          timeCost: 4,
          parallelism: 1,
          maxConcurrency: 1,
          maxWait: "50 millis"
        }),
        (hasher) =>
          Effect.gen(function*() {
            const slow = yield* Effect.forkChild(hasher.hash(PASSWORD))
            yield* Effect.sleep("10 millis")
            const shed = yield* Effect.flip(hasher.verifyAndUpdate(PASSWORD, FIXTURES.owaspArgon2))
            assert.strictEqual(shed._tag, "PasswordHasherBusy")
            assert.isTrue(Infrastructure.isInfrastructureError(shed))
            const hashed = yield* Fiber.join(slow)
            assert.match(hashed, /^\$argon2id\$v=19\$m=262144,t=4,p=1\$/u)
            // the slot is free again: the next request is admitted
            const result = yield* hasher.verifyAndUpdate(PASSWORD, FIXTURES.owaspArgon2)
            assert.isTrue(result.verified)
          })
      ))

    it.live("queues within maxWait in arrival order rather than shedding", () =>
      withHasher(
        PasswordHasher.layer({ ...SMALL, maxConcurrency: 1, maxWait: "10 seconds" }),
        (hasher) =>
          Effect.gen(function*() {
            const hashes = yield* Effect.all(Array.from({ length: 8 }, () => hasher.hash(PASSWORD)), { concurrency: 8 })
            assert.strictEqual(new Set(hashes).size, 8)
          })
      ))

    it.effect("refuses a niceness outside 0..19 when the layer is built", () =>
      Effect.gen(function*() {
        for (const niceness of [-1, 20, 1.5]) {
          const exit = yield* Effect.exit(withHasher(PasswordHasher.layer({ ...SMALL, niceness }), () => Effect.void))
          assert.isTrue(exit._tag === "Failure", String(niceness))
        }
      }))
  })

  describe("generate", () => {
    it.effect("returns 43 URL-safe characters (32 random bytes), different each time", () =>
      withHasher(PasswordHasher.layerTest, (hasher) =>
        Effect.gen(function*() {
          const passwords = new Set<string>()
          for (let i = 0; i < 50; i++) {
            const password = yield* hasher.generate
            assert.match(password, /^[A-Za-z0-9_-]{43}$/u)
            assert.strictEqual(Buffer.from(password, "base64url").length, 32)
            passwords.add(password)
          }
          assert.strictEqual(passwords.size, 50)
        })))
  })
})
