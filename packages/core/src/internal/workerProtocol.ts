import type { Variant } from "./phc.ts"

// Messages between the hasher and its worker threads (hashWasmWorker.ts).

/** A request to a hash worker. */
export type WorkerRequest =
  | {
    readonly id: number
    readonly op: "argon2"
    readonly variant: Variant
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
