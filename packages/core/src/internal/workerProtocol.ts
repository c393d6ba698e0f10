import type { Variant } from "./phc.ts"

// Messages between the hasher and its worker threads (hashWorker.ts).

/** What computes Argon2 inside a worker thread: `@node-rs/argon2`, Node's `crypto.argon2Sync`, or hash-wasm. */
export type WorkerEngine = "node-rs" | "native" | "hash-wasm"

/** What a worker thread is started with. */
export interface WorkerSettings {
  /** The niceness the thread gives itself (0: none): hashing yields the CPU to the event loop. */
  readonly niceness: number
}

/** A request to a hash worker. */
export type WorkerRequest =
  | {
    readonly id: number
    readonly op: "argon2"
    readonly engine: WorkerEngine
    readonly variant: Variant
    /** 0x10 or 0x13; only node-rs computes 0x10 (the others are asked for 0x13 only). */
    readonly version: number
    readonly password: Uint8Array
    readonly salt: Uint8Array
    readonly memoryCost: number
    readonly timeCost: number
    readonly parallelism: number
    readonly length: number
  }
  | { readonly id: number; readonly op: "bcrypt"; readonly password: string; readonly hash: string }

/** A hash worker's answer to the request with the same id. */
export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly value: Uint8Array | boolean }
  | { readonly id: number; readonly ok: false; readonly error: string }
