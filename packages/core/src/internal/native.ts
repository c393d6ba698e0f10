import { Effect } from "effect"
import * as NodeCrypto from "node:crypto"
import { type Engine, EngineFailure, Unsupported } from "./argon2.ts"

/** Whether this runtime has `crypto.argon2` (Node.js >= 24.7). */
export const isAvailable = (): boolean => typeof NodeCrypto.argon2 === "function"

/** Node's own Argon2 (OpenSSL), computed on libuv's thread pool. */
export const engine: Engine = {
  name: "native",
  derive: (input) =>
    input.version !== 0x13
      ? Effect.fail(new Unsupported({ reason: `Argon2 version ${input.version} needs @node-rs/argon2` }))
      : Effect.callback<Uint8Array, EngineFailure>((resume) => {
        try {
          NodeCrypto.argon2(input.variant, {
            message: input.password,
            nonce: input.salt,
            memory: input.memoryCost,
            passes: input.timeCost,
            parallelism: input.parallelism,
            tagLength: input.length
          }, (error, key) => {
            resume(
              error === null ? Effect.succeed(new Uint8Array(key)) : Effect.fail(new EngineFailure({ cause: error }))
            )
          })
        } catch (cause) {
          resume(Effect.fail(new EngineFailure({ cause })))
        }
      })
}
