import { Data } from "effect"
import type { Effect } from "effect"
import type { Variant } from "./phc.ts"

// An Argon2 engine computes raw Argon2 output; the PHC encoding, salts, verification and the concurrency bound
// are the hasher's (PasswordHasher.ts), so every engine writes and verifies byte-identical PHC strings.

/** The inputs of one Argon2 computation. */
export interface DeriveInput {
  readonly variant: Variant
  readonly version: number
  readonly password: Uint8Array
  readonly salt: Uint8Array
  readonly memoryCost: number
  readonly timeCost: number
  readonly parallelism: number
  readonly length: number
}

/** The engine cannot compute this variant or version (e.g. Argon2 v=16 without `@node-rs/argon2`). */
export class Unsupported extends Data.TaggedError("Unsupported")<{ readonly reason: string }> {}

/** The engine failed: a defect of the platform. */
export class EngineFailure extends Data.TaggedError("EngineFailure")<{ readonly cause: unknown }> {}

/** Computes raw Argon2 output off the event loop. */
export interface Engine {
  /** What computes it, for the start-up log line (`node-rs`, `native`, `kdf`, `node-rs in worker threads`...). */
  readonly name: string
  readonly derive: (input: DeriveInput) => Effect.Effect<Uint8Array, Unsupported | EngineFailure>
}
