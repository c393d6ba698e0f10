import { Effect } from "effect"
import { Kdf } from "effect/crypto"
import { type Engine, EngineFailure, Unsupported } from "./argon2.ts"

/** Argon2id through effect's `Kdf` service (e.g. `NodeCrypto.layer`); it has neither Argon2i/d nor version 16. */
export const make = (kdf: Kdf.Kdf["Service"]): Engine => ({
  name: "kdf",
  derive: (input) =>
    input.variant !== "argon2id" || input.version !== 0x13
      ? Effect.fail(
        new Unsupported({ reason: `effect's Kdf computes only Argon2id v=19, not ${input.variant} v=${input.version}` })
      )
      : kdf.derive(
        Kdf.argon2id({ memory: input.memoryCost, passes: input.timeCost, parallelism: input.parallelism }),
        input.password,
        { salt: input.salt, length: input.length }
      ).pipe(
        Effect.mapError((error): Unsupported | EngineFailure =>
          error.reason._tag === "Unsupported"
            ? new Unsupported({ reason: error.message })
            : new EngineFailure({ cause: error })
        )
      )
})
