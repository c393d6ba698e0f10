/**
 * `effect-users hash-password`: prints the Argon2id PHC string of a password, as core's `PasswordHasher` writes it
 * (for seeding a database or a fixture by hand).
 *
 * @since 0.1.0
 */
import { PasswordHasher } from "@effect-users/core/PasswordHasher"
import { Console, Effect, Redacted } from "effect"
import { Command } from "effect/cli"
import { failed } from "./CliFailure.ts"
import { hasher, hashFlags } from "./internal/hashing.ts"
import { passwordFlags, readPassword } from "./internal/password.ts"

/**
 * The `hash-password` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "hash-password",
  { ...passwordFlags, ...hashFlags },
  Effect.fn("effect-users hash-password")(function*(flags) {
    const password = yield* readPassword(flags, true)
    const hash = yield* Effect.gen(function*() {
      const passwords = yield* PasswordHasher
      return yield* passwords.hash(Redacted.value(password))
    }).pipe(
      Effect.mapError((error) => failed("cannot hash the password", error)),
      Effect.provide(hasher(flags.hashParams))
    )
    yield* Console.log(hash)
  })
).pipe(
  Command.withDescription(
    "Print the Argon2id hash (PHC string) of a password read from stdin, $EFFECT_USERS_PASSWORD or a prompt."
  ),
  Command.withExamples([
    {
      command: "printf '%s\\n' \"$PW\" | effect-users hash-password --password-stdin",
      description: "hash a password in a script"
    }
  ])
)
