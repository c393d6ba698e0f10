import { Effect, Pool } from "effect"
import type { Scope } from "effect"
import { extname } from "node:path"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { type DeriveInput, type Engine, EngineFailure, Unsupported } from "./argon2.ts"
import type { WorkerEngine, WorkerRequest, WorkerResponse, WorkerSettings } from "./workerProtocol.ts"

// The worker file sits next to this one: `.ts` when Node runs the sources (type stripping), `.js` from `dist`.
const workerUrl = new URL(`./hashWorker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)

type Resume = (response: WorkerResponse | EngineFailure) => void

interface HashWorker {
  readonly request: (request: WorkerRequest) => Effect.Effect<Uint8Array | boolean, EngineFailure>
}

let nextId = 0

// One worker thread. It keeps the process alive only while a request is in flight.
const spawn = (settings: WorkerSettings): Effect.Effect<HashWorker, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const worker = new Worker(workerUrl, { workerData: settings })
      worker.unref()
      const pending = new Map<number, Resume>()
      // Set once the thread failed or exited: it will never answer again.
      let dead: { readonly cause: unknown } | undefined
      const settle = (id: number, outcome: WorkerResponse | EngineFailure) => {
        const resume = pending.get(id)
        pending.delete(id)
        if (pending.size === 0) worker.unref()
        resume?.(outcome)
      }
      const failAll = (cause: unknown) => {
        dead ??= { cause }
        for (const id of Array.from(pending.keys())) settle(id, new EngineFailure({ cause }))
      }
      worker.on("message", (response: WorkerResponse) => settle(response.id, response))
      worker.on("error", failAll)
      worker.on("exit", (code) => failAll(new Error(`hash worker exited with code ${code}`)))
      const request = (message: WorkerRequest) =>
        Effect.callback<Uint8Array | boolean, EngineFailure>((resume) => {
          if (dead !== undefined) return resume(Effect.fail(new EngineFailure({ cause: dead.cause })))
          pending.set(message.id, (outcome) => {
            if (outcome instanceof EngineFailure) resume(Effect.fail(outcome))
            else if (outcome.ok) resume(Effect.succeed(outcome.value))
            else resume(Effect.fail(new EngineFailure({ cause: new Error(outcome.error) })))
          })
          worker.ref()
          worker.postMessage(message)
          // Interrupted: forget the answer (the worker finishes the computation and its reply is dropped).
          return Effect.sync(() => {
            pending.delete(message.id)
            if (pending.size === 0) worker.unref()
          })
        })
      return { worker, request }
    }),
    ({ worker }) => Effect.promise(() => worker.terminate())
  )

/** A lazily grown pool of up to `size` hash worker threads, terminated with the scope. */
export interface Workers {
  /** Argon2 computed in the threads by `engine` (which the main thread found loadable). */
  readonly engine: (engine: WorkerEngine) => Engine
  readonly bcrypt: (password: string, hash: string) => Effect.Effect<boolean, EngineFailure>
}

/** Starts the pool (threads are spawned on first use and retire after a minute idle). */
export const make = (size: number, settings: WorkerSettings): Effect.Effect<Workers, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pool = yield* Pool.makeWithTTL({
      acquire: spawn(settings),
      min: 0,
      max: size,
      timeToLive: "1 minute",
      timeToLiveStrategy: "usage"
    })
    const call = (build: (id: number) => WorkerRequest) =>
      Effect.scoped(
        Effect.flatMap(Pool.get(pool), (worker) =>
          worker.request(build(nextId++)).pipe(
            // A crashed thread is not reused.
            Effect.tapError(() => Pool.invalidate(pool, worker))
          ))
      )
    const derive = (engine: WorkerEngine, input: DeriveInput) =>
      call((id) => ({
        id,
        op: "argon2",
        engine,
        variant: input.variant,
        version: input.version,
        password: input.password,
        salt: input.salt,
        memoryCost: input.memoryCost,
        timeCost: input.timeCost,
        parallelism: input.parallelism,
        length: input.length
      })).pipe(
        Effect.flatMap((value) =>
          value instanceof Uint8Array
            ? Effect.succeed(value)
            : Effect.fail(new EngineFailure({ cause: new Error("hash worker answered a boolean to argon2") }))
        )
      )
    const bcrypt = (password: string, hash: string) =>
      call((id) => ({ id, op: "bcrypt", password, hash })).pipe(
        Effect.flatMap((value) =>
          typeof value === "boolean"
            ? Effect.succeed(value)
            : Effect.fail(new EngineFailure({ cause: new Error("hash worker answered bytes to bcrypt") }))
        )
      )
    return {
      engine: (engine) => ({
        name: `${engine} in worker threads`,
        derive: (input) =>
          input.version !== 0x13 && engine !== "node-rs"
            ? Effect.fail(new Unsupported({ reason: `Argon2 version ${input.version} needs @node-rs/argon2` }))
            : derive(engine, input)
      }),
      bcrypt
    } satisfies Workers
  })
