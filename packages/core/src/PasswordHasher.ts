/**
 * The password hashing port (pwdlib's `PasswordHash`) and its Argon2id implementations.
 *
 * Every implementation writes the same PHC strings (`$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`, 16-byte salt,
 * 32-byte hash, standard base64 without padding) and verifies those of the others; bcrypt hashes (FastAPI Users'
 * legacy format) are verified in a worker thread and upgraded on a successful check.
 *
 * @since 0.0.0
 */
import { Context, Duration, Effect, Layer, Option, Schema, Semaphore } from "effect"
import type { Scope } from "effect"
import { Kdf } from "effect/crypto"
import * as NodeCrypto from "node:crypto"
import { availableParallelism } from "node:os"
import * as Infrastructure from "./Infrastructure.ts"
import type { DeriveInput, Engine, EngineFailure, Unsupported } from "./internal/argon2.ts"
import * as KdfEngine from "./internal/kdf.ts"
import * as Native from "./internal/native.ts"
import * as NodeRs from "./internal/nodeRs.ts"
import { type Argon2Hash, formatArgon2, recognise } from "./internal/phc.ts"
import * as Workers from "./internal/workers.ts"

/**
 * The hasher itself failed (not a wrong password, not an unknown hash format): a defect of the platform.
 *
 * @since 0.0.0
 * @category errors
 */
export class PasswordHasherError extends Schema.TaggedError<PasswordHasherError>()("PasswordHasherError", {
  cause: Schema.Defect()
}) {
  /** Marks the error as infrastructure: a 503 at the HTTP layer. */
  readonly [Infrastructure.TypeId] = Infrastructure.TypeId
}

/**
 * Every hashing slot stayed taken for `maxWait`: the hasher is saturated (a login or registration storm), the request
 * is shed rather than queued without bound, and the client should retry later (a 503 at the HTTP layer).
 *
 * @since 0.0.0
 * @category errors
 */
export class PasswordHasherBusy extends Schema.TaggedError<PasswordHasherBusy>()("PasswordHasherBusy", {
  /** How long the request waited for a slot, in milliseconds. */
  waitedMillis: Schema.Number
}) {
  /** Marks the error as infrastructure: a 503 at the HTTP layer. */
  readonly [Infrastructure.TypeId] = Infrastructure.TypeId
}

/**
 * The outcome of checking a password against a stored hash.
 *
 * @since 0.0.0
 * @category models
 */
export interface Verification {
  readonly verified: boolean
  /**
   * A fresh hash with the current algorithm and parameters when the stored one is weaker (bcrypt, another Argon2
   * variant or version, less memory or less memory × passes); never for a stronger one.
   */
  readonly updatedHash: Option.Option<string>
}

/**
 * Why core's hashers could not verify a stored hash, or `None` when they can (an Argon2 PHC string of version 16 or
 * 19, or a bcrypt `$2a$`/`$2b$`/`$2y$` hash): the check an import runs before it stores a hash.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unverifiableHash = (stored: string): Option.Option<string> => {
  const recognised = recognise(stored)
  switch (recognised._tag) {
    case "Argon2":
      return Option.none()
    case "Bcrypt":
      return recognised.minor === "x"
        ? Option.some("bcrypt $2x$ hashes (crypt_blowfish's sign-extension bug) are not supported")
        : Option.none()
    case "Unknown":
      return Option.some(recognised.reason)
  }
}

/**
 * Hashes and verifies passwords; hashing never runs on the event loop.
 *
 * Contract: `hash` produces a PHC string of the current algorithm and parameters; `verifyAndUpdate` recognises the
 * current format and the legacy ones it supports, and reports an unknown hash format or a password a legacy
 * algorithm cannot take (over 72 bytes for bcrypt) as `verified: false`, logging why, never as a failure;
 * `generate` returns a random password (43 URL-safe characters).
 *
 * @since 0.0.0
 * @category services
 */
export class PasswordHasher extends Context.Service<PasswordHasher, {
  readonly hash: (password: string) => Effect.Effect<string, PasswordHasherError | PasswordHasherBusy>
  readonly verifyAndUpdate: (
    password: string,
    hash: string
  ) => Effect.Effect<Verification, PasswordHasherError | PasswordHasherBusy>
  readonly generate: Effect.Effect<string>
}>()("@effect-users/core/PasswordHasher") {}

/**
 * Argon2id cost parameters (`memoryCost` in KiB), the bound on hashes computed at the same time, and how hashing
 * yields to serving. Peak hashing memory is `maxConcurrency × memoryCost`.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  readonly memoryCost?: number | undefined
  readonly timeCost?: number | undefined
  readonly parallelism?: number | undefined
  /**
   * Hashes computed at the same time: for the worker-thread layers (`layer`, `layerHashWasm`) the number of threads,
   * by default one per core up to 4 (they run at a lower priority, see `niceness`); for `layerNodeRs`, `layerNative`
   * and `layerKdf`, which compute on libuv's thread pool of 4 (shared with DNS, file I/O and WebCrypto), 2.
   */
  readonly maxConcurrency?: number | undefined
  /**
   * The scheduling niceness (0–19) the hash worker threads give themselves on Linux, 10 by default: under load the
   * kernel gives the cores to the event loop and the database first, so a login storm cannot starve reads, while an
   * idle server still hashes on every core. 0 keeps the process's priority.
   */
  readonly niceness?: number | undefined
  /**
   * How long a hash may wait for a free slot before it is shed with `PasswordHasherBusy` (a 503), 5 seconds by
   * default: a storm is queued up to this bound, never without one.
   */
  readonly maxWait?: Duration.Input | undefined
}

/**
 * OWASP's minimum for Argon2id: 19 MiB, 2 passes, 1 lane (the default of every layer).
 *
 * @since 0.0.0
 * @category constants
 */
export const owaspMinimum = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

/**
 * The parameters of FastAPI Users (pwdlib's `Argon2Hasher`, RFC 9106's low-memory profile): 64 MiB, 3 passes,
 * 4 lanes. Pass them to a layer to hash new passwords as the reference does; its hashes are never rewritten weaker.
 *
 * @since 0.0.0
 * @category constants
 */
export const fastApiUsers = { memoryCost: 65_536, timeCost: 3, parallelism: 4 } as const

const SALT_LENGTH = 16
const HASH_LENGTH = 32
const BCRYPT_MAX_BYTES = 72
// below libuv's thread pool of 4, for the layers that hash on it
const LIBUV_MAX_CONCURRENCY = 2
// one thread per core, up to 4 (each holds `memoryCost` while it hashes)
const threadsMaxConcurrency = () => Math.min(availableParallelism(), 4)
const DEFAULT_NICENESS = 10
const DEFAULT_MAX_WAIT = Duration.seconds(5)

interface Settings {
  readonly memoryCost: number
  readonly timeCost: number
  readonly parallelism: number
  readonly maxConcurrency: number
  readonly niceness: number
  readonly maxWait: Duration.Duration
}

const settings = (options: Options | undefined, defaultConcurrency: number): Settings => {
  const resolved = {
    memoryCost: options?.memoryCost ?? owaspMinimum.memoryCost,
    timeCost: options?.timeCost ?? owaspMinimum.timeCost,
    parallelism: options?.parallelism ?? owaspMinimum.parallelism,
    maxConcurrency: options?.maxConcurrency ?? defaultConcurrency,
    niceness: options?.niceness ?? DEFAULT_NICENESS,
    maxWait: options?.maxWait === undefined ? DEFAULT_MAX_WAIT : Duration.fromInputUnsafe(options.maxWait)
  }
  const { maxConcurrency, memoryCost, niceness, parallelism, timeCost } = resolved
  const isCount = (n: number, max: number) => Number.isSafeInteger(n) && n >= 1 && n <= max
  if (
    !isCount(parallelism, 255) || !isCount(timeCost, 2 ** 32 - 1) || !isCount(memoryCost, 2 ** 32 - 1) ||
    memoryCost < 8 * parallelism || !isCount(maxConcurrency, 1024) || !Number.isSafeInteger(niceness) ||
    niceness < 0 || niceness > 19
  ) {
    throw new RangeError(
      `PasswordHasher: invalid options m=${memoryCost},t=${timeCost},p=${parallelism},maxConcurrency=${maxConcurrency}` +
        `,niceness=${niceness} (Argon2 needs p in 1..255, t >= 1, m >= 8 * p KiB; maxConcurrency >= 1; niceness in 0..19)`
    )
  }
  return resolved
}

const utf8 = new TextEncoder()

const toHasherError = (error: EngineFailure) => new PasswordHasherError({ cause: error.cause })

const refuse = (reason: string) =>
  Effect.logError(`PasswordHasher: ${reason}; the password is reported as not verified`).pipe(
    Effect.as<Verification>({ verified: false, updatedHash: Option.none() })
  )

const make = (
  engine: Engine,
  workers: Workers.Workers,
  current: Settings
): Effect.Effect<PasswordHasher["Service"]> =>
  Effect.gen(function*() {
    const permits = yield* Semaphore.make(current.maxConcurrency)
    const maxWaitMillis = Duration.toMillis(current.maxWait)
    // Admission: a slot within `maxWait` (in arrival order), or the request is shed; the slot is held until the hash
    // is done (or the request interrupted).
    const bounded = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E | PasswordHasherBusy> =>
      Effect.scoped(
        Semaphore.takeScoped(permits, 1).pipe(
          Effect.timeoutOption(current.maxWait),
          Effect.flatMap((slot): Effect.Effect<A, E | PasswordHasherBusy> =>
            Option.isNone(slot) ? Effect.fail(new PasswordHasherBusy({ waitedMillis: maxWaitMillis })) : effect
          )
        )
      )
    const derive = (input: DeriveInput): Effect.Effect<Uint8Array, Unsupported | EngineFailure | PasswordHasherBusy> =>
      bounded(engine.derive(input))

    const hash = (password: string) =>
      Effect.gen(function*() {
        const salt = new Uint8Array(NodeCrypto.randomBytes(SALT_LENGTH))
        const params = {
          variant: "argon2id",
          version: 0x13,
          memoryCost: current.memoryCost,
          timeCost: current.timeCost,
          parallelism: current.parallelism
        } as const
        const output = yield* derive({ ...params, password: utf8.encode(password), salt, length: HASH_LENGTH })
        return formatArgon2({ ...params, salt, hash: output })
      }).pipe(
        Effect.catchTags({
          // Argon2id v=19 is computed by every engine; reaching this is a defect of the platform.
          Unsupported: (error) => Effect.fail(new PasswordHasherError({ cause: error })),
          EngineFailure: (error) => Effect.fail(toHasherError(error))
        })
      )

    // Rehashing only ever strengthens: a stored Argon2id v=19 hash is kept when it costs an attacker at least as
    // much as the current parameters — no less memory and no less memory × passes (the lanes do not change the
    // work) — with a hash and salt no shorter. FastAPI Users' (64 MiB, t=3, p=4) is kept under OWASP's minimum.
    const isAtLeastCurrent = (stored: Argon2Hash) =>
      stored.variant === "argon2id" && stored.version === 0x13 && stored.memoryCost >= current.memoryCost &&
      stored.memoryCost * stored.timeCost >= current.memoryCost * current.timeCost &&
      stored.hash.length >= HASH_LENGTH && stored.salt.length >= SALT_LENGTH

    const upgrade = (password: string, needed: boolean) =>
      needed
        ? Effect.map(hash(password), (updated): Verification => ({ verified: true, updatedHash: Option.some(updated) }))
        : Effect.succeed<Verification>({ verified: true, updatedHash: Option.none() })

    const verifyArgon2 = (password: string, stored: Argon2Hash) =>
      derive({ ...stored, password: utf8.encode(password), length: stored.hash.length }).pipe(
        Effect.flatMap((output) =>
          output.length === stored.hash.length && NodeCrypto.timingSafeEqual(output, stored.hash)
            ? upgrade(password, !isAtLeastCurrent(stored))
            : Effect.succeed<Verification>({ verified: false, updatedHash: Option.none() })
        ),
        Effect.catchTags({
          Unsupported: (error) => refuse(`cannot verify ${stored.variant} v=${stored.version} (${error.reason})`),
          EngineFailure: (error) => Effect.fail(toHasherError(error))
        })
      )

    const verifyBcrypt = (password: string, stored: string, minor: string) => {
      if (minor === "x") return refuse("bcrypt $2x$ hashes (crypt_blowfish's sign-extension bug) are not supported")
      // bcrypt reads at most 72 bytes: a longer password would be checked by its prefix only.
      if (utf8.encode(password).length > BCRYPT_MAX_BYTES) {
        return refuse(`password longer than ${BCRYPT_MAX_BYTES} bytes checked against a bcrypt hash`)
      }
      return bounded(workers.bcrypt(password, stored)).pipe(
        Effect.catchTag("EngineFailure", (error) => Effect.fail(toHasherError(error))),
        Effect.flatMap((verified) =>
          verified ? upgrade(password, true) : Effect.succeed<Verification>({ verified, updatedHash: Option.none() })
        )
      )
    }

    const verifyAndUpdate = (
      password: string,
      stored: string
    ): Effect.Effect<Verification, PasswordHasherError | PasswordHasherBusy> => {
      const recognised = recognise(stored)
      switch (recognised._tag) {
        case "Argon2":
          return verifyArgon2(password, recognised.hash)
        case "Bcrypt":
          return verifyBcrypt(password, stored, recognised.minor)
        case "Unknown":
          return refuse(recognised.reason)
      }
    }

    return PasswordHasher.of({
      hash: Effect.fn("PasswordHasher.hash")(function*(password: string) {
        return yield* hash(password)
      }),
      verifyAndUpdate: Effect.fn("PasswordHasher.verifyAndUpdate")(function*(password: string, stored: string) {
        return yield* verifyAndUpdate(password, stored)
      }),
      generate: Effect.sync(() => NodeCrypto.randomBytes(32).toString("base64url"))
    })
  })

const build = (
  options: Options | undefined,
  defaultConcurrency: number,
  select: (workers: Workers.Workers) => Effect.Effect<Engine, PasswordHasherError>
): Effect.Effect<PasswordHasher["Service"], PasswordHasherError, Scope.Scope> =>
  Effect.gen(function*() {
    const current = settings(options, defaultConcurrency)
    // The worker threads start on first use: with libuv hashing (node-rs, native) they only ever check bcrypt hashes.
    const workers = yield* Workers.make(current.maxConcurrency, { niceness: current.niceness })
    const engine = yield* select(workers)
    yield* Effect.logDebug(
      `PasswordHasher: Argon2id with ${engine.name}, m=${current.memoryCost},t=${current.timeCost},p=${current.parallelism}`
    )
    return yield* make(engine, workers, current)
  })

const unavailable = (what: string) => new PasswordHasherError({ cause: new Error(`${what} is not available`) })

const nodeRs = NodeRs.load.pipe(
  Effect.flatMap(Option.match({
    onNone: () => Effect.fail(unavailable("@node-rs/argon2 (an optional dependency)")),
    onSome: Effect.succeed
  }))
)

const native = Effect.suspend(() =>
  Native.isAvailable()
    ? Effect.succeed(Native.engine)
    : Effect.fail(unavailable("crypto.argon2 (Node.js >= 24.7)"))
)

// The fastest engine the main thread can load, run in the hasher's worker threads.
const fastestInThreads = (workers: Workers.Workers): Effect.Effect<Engine> =>
  nodeRs.pipe(
    Effect.as(workers.engine("node-rs")),
    Effect.catch(() => Effect.map(native, () => workers.engine("native"))),
    Effect.catch(() => Effect.succeed(workers.engine("hash-wasm")))
  )

/**
 * Argon2id in worker threads of the hasher's own, with the fastest implementation available when the layer is
 * built (`@node-rs/argon2`, then Node's `crypto.argon2Sync`, then hash-wasm): nothing of a hash runs on the event loop
 * or on libuv's thread pool, and the threads yield the CPU to serving (`niceness`).
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<PasswordHasher> =>
  Layer.effect(PasswordHasher, build(options, threadsMaxConcurrency(), fastestInThreads).pipe(Effect.orDie))

/**
 * Argon2id with `@node-rs/argon2` (native Rust, on libuv's thread pool); fails to build when the optional
 * dependency is not installed.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerNodeRs = (options?: Options): Layer.Layer<PasswordHasher, PasswordHasherError> =>
  Layer.effect(PasswordHasher, build(options, LIBUV_MAX_CONCURRENCY, () => nodeRs))

/**
 * Argon2id with Node's own `crypto.argon2` (OpenSSL, on libuv's thread pool); fails to build before Node.js 24.7.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerNative = (options?: Options): Layer.Layer<PasswordHasher, PasswordHasherError> =>
  Layer.effect(PasswordHasher, build(options, LIBUV_MAX_CONCURRENCY, () => native))

/**
 * Argon2id through effect's `Kdf` service, which the application provides (e.g. `NodeCrypto.layer` from
 * `@effect/platform-node`). `Kdf` computes only Argon2id v=19: stored Argon2i/Argon2d hashes are reported as not
 * verified (and logged).
 *
 * @since 0.0.0
 * @category layers
 */
export const layerKdf = (options?: Options): Layer.Layer<PasswordHasher, never, Kdf.Kdf> =>
  Layer.effect(
    PasswordHasher,
    Effect.gen(function*() {
      const kdf = yield* Kdf.Kdf
      return yield* build(options, LIBUV_MAX_CONCURRENCY, () => Effect.succeed(KdfEngine.make(kdf)))
    }).pipe(Effect.orDie)
  )

/**
 * Argon2id with hash-wasm (WebAssembly) in `maxConcurrency` worker threads: portable, and never on the event loop.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerHashWasm = (options?: Options): Layer.Layer<PasswordHasher> =>
  Layer.effect(
    PasswordHasher,
    build(options, threadsMaxConcurrency(), (workers) => Effect.succeed(workers.engine("hash-wasm"))).pipe(Effect.orDie)
  )

/**
 * A fast hasher for tests of other modules: Argon2id with tiny parameters (m=64 KiB, t=1, p=1) and the fastest
 * implementation; it verifies real hashes (any Argon2 parameters, bcrypt) like the production layers.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerTest: Layer.Layer<PasswordHasher> = layer({ memoryCost: 64, timeCost: 1, parallelism: 1 })
