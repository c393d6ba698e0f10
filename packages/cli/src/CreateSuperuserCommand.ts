/**
 * `effect-users create-superuser`: creates the first (or any) superuser, active and verified, through core's
 * `UserManager.create` with the application's hasher parameters.
 *
 * @since 0.1.0
 */
import * as Email from "@effect-users/core/Email"
import { UserManager } from "@effect-users/core/UserManager"
import { Console, Effect, Redacted } from "effect"
import { Command, Flag } from "effect/cli"
import { CliFailure, ExitCode, failed, usage } from "./CliFailure.ts"
import { hashFlags } from "./internal/hashing.ts"
import { manager } from "./internal/manager.ts"
import { passwordFlags, readPassword } from "./internal/password.ts"
import { resolve, storageFlags, storeFailure } from "./internal/storage.ts"

/**
 * The `create-superuser` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "create-superuser",
  {
    ...storageFlags,
    ...passwordFlags,
    ...hashFlags,
    email: Flag.String("email").pipe(Flag.withDescription("the superuser's e-mail address")),
    minPasswordLength: Flag.Int("min-password-length").pipe(
      Flag.withDescription("refuse shorter passwords"),
      Flag.withDefault(8)
    )
  },
  Effect.fn("effect-users create-superuser")(function*(flags) {
    const email = Email.normalize(flags.email)
    if (email === undefined) {
      return yield* usage(`--email: ${JSON.stringify(flags.email)} is not a valid e-mail address`)
    }
    const storage = yield* resolve(flags)
    const password = yield* readPassword(flags, true)
    const user = yield* Effect.gen(function*() {
      const users = yield* UserManager
      return yield* users.create({
        email,
        password: Redacted.value(password),
        is_active: true,
        is_superuser: true,
        is_verified: true
      })
    }).pipe(
      Effect.catchTags({
        UserAlreadyExists: () =>
          Effect.fail(
            new CliFailure({ message: `a user with the e-mail ${email} already exists`, exitCode: ExitCode.Exists })
          ),
        InvalidPassword: (error) => Effect.fail(failed("the password was refused", String(error.reason))),
        UserRepositoryError: (error) => Effect.fail(storeFailure("cannot store the user", error)),
        PasswordHasherError: (error) => Effect.fail(failed("cannot hash the password", error)),
        PasswordHasherBusy: (error) => Effect.fail(failed("cannot hash the password", error))
      }),
      Effect.provide(manager(storage, flags))
    )
    yield* Console.log(`created superuser ${user.email} (id ${String(user.id)})`)
  })
).pipe(
  Command.withDescription(
    "Create an active, verified superuser; the password comes from --password-stdin, $EFFECT_USERS_PASSWORD or a prompt."
  ),
  Command.withExamples([
    { command: "effect-users create-superuser --email admin@example.com", description: "prompt for the password" },
    {
      command: "printf '%s\\n' \"$PW\" | effect-users create-superuser --email admin@example.com --password-stdin",
      description: "in a script"
    }
  ])
)
