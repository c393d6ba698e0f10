import { Effect, type Option } from "effect"
import { type Engine, EngineFailure } from "./argon2.ts"

// `Algorithm` and `Version` are const enums (TS2748 under verbatimModuleSyntax): their values are written here.
const ALGORITHM = { argon2d: 0, argon2i: 1, argon2id: 2 } as const
const VERSION_0x10 = 0
const VERSION_0x13 = 1

/** `@node-rs/argon2` (an optional dependency): `None` when it is not installed or has no binary for this platform. */
export const load: Effect.Effect<Option.Option<Engine>> = Effect.tryPromise(() => import("@node-rs/argon2")).pipe(
  Effect.map((module): Engine => ({
    name: "node-rs",
    derive: (input) =>
      Effect.tryPromise({
        try: (signal) =>
          module.hashRaw(input.password, {
            algorithm: ALGORITHM[input.variant],
            version: input.version === 0x10 ? VERSION_0x10 : VERSION_0x13,
            memoryCost: input.memoryCost,
            timeCost: input.timeCost,
            parallelism: input.parallelism,
            outputLen: input.length,
            salt: input.salt
          }, signal),
        catch: (cause) => new EngineFailure({ cause })
      }).pipe(Effect.map((buffer) => new Uint8Array(buffer)))
  })),
  Effect.option
)
