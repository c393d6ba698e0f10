/**
 * The `effect-users` command line: its root command (to run, or to embed in an application's own CLI) and `main`,
 * which runs it on Node.js and exits with the documented code (`CliFailure.ExitCode`).
 *
 * @since 0.1.0
 */
import { NodeServices } from "@effect/platform-node"
import { Cause, Effect, Exit } from "effect"
import { Command } from "effect/cli"
import { CliFailure, ExitCode } from "./CliFailure.ts"
import * as CreateSuperuserCommand from "./CreateSuperuserCommand.ts"
import * as HashPasswordCommand from "./HashPasswordCommand.ts"
import * as ImportUsersCommand from "./ImportUsersCommand.ts"
import * as JwksCommand from "./JwksCommand.ts"
import * as MigrateCommand from "./MigrateCommand.ts"

/**
 * The root command, `effect-users`, with every subcommand.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("effect-users").pipe(
  Command.withDescription(
    "Operate effect-users' storage: migrate, create-superuser, hash-password, import-users, jwks. " +
      "Exit codes: 0 done, 1 failed, 2 wrong command line, 3 database unreachable, 4 user already exists."
  ),
  Command.withSubcommands([
    MigrateCommand.command,
    CreateSuperuserCommand.command,
    HashPasswordCommand.command,
    ImportUsersCommand.command,
    JwksCommand.command
  ])
)

/**
 * The exit code of a finished run, printing the failure first (`effect-users: <message>` on stderr); the CLI's
 * parse errors have already been printed with the help.
 *
 * @since 0.1.0
 * @category constructors
 */
export const exitCode = (exit: Exit.Exit<unknown, unknown>): Effect.Effect<ExitCode> =>
  Effect.sync(() => {
    if (Exit.isSuccess(exit)) return ExitCode.Ok
    const failure = exit.cause.reasons.find(Cause.isFailReason)
    const error: unknown = failure?.error
    if (error instanceof CliFailure) {
      process.stderr.write(`effect-users: ${error.message}\n`)
      return error.exitCode
    }
    if (typeof error === "object" && error !== null && "_tag" in error && error._tag === "ShowHelp") {
      return ExitCode.Usage
    }
    if (Cause.hasInterruptsOnly(exit.cause)) return ExitCode.Failed
    process.stderr.write(`effect-users: unexpected failure: ${Cause.pretty(exit.cause)}\n`)
    return ExitCode.Failed
  })

/**
 * Runs the command line on Node.js (arguments from `process.argv`) and exits with its code.
 *
 * @since 0.1.0
 * @category running
 */
export const main = (version: string): Promise<void> =>
  Effect.runPromise(
    Command.run(command, { version }).pipe(
      Effect.provide(NodeServices.layer),
      Effect.exit,
      Effect.flatMap(exitCode),
      Effect.map((code) => {
        process.exitCode = code
      })
    )
  )
