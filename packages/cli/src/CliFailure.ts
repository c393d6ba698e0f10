/**
 * How a command of the `effect-users` CLI fails: one message for the terminal (with the underlying cause) and the
 * exit code a script can rely on.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * The exit codes of `effect-users`: 0 done; 1 the operation failed (the message says why; for `import-users`, some
 * rows were refused); 2 the command line is wrong (unknown flag, missing value, no database configured); 3 the
 * database could not be reached (worth retrying); 4 the user already exists (`create-superuser`).
 *
 * @since 0.1.0
 * @category models
 */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  Unreachable: 3,
  Exists: 4
} as const

/**
 * One of {@link ExitCode}'s values.
 *
 * @since 0.1.0
 * @category models
 */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/**
 * A command failed: what to print (`effect-users: <message>`) and the exit code.
 *
 * @since 0.1.0
 * @category errors
 */
export class CliFailure extends Data.TaggedError("CliFailure")<{
  readonly message: string
  readonly exitCode: ExitCode
  readonly cause?: unknown
}> {}

/**
 * A failure of the command line itself (exit code 2).
 *
 * @since 0.1.0
 * @category constructors
 */
export const usage = (message: string): CliFailure => new CliFailure({ message, exitCode: ExitCode.Usage })

/**
 * A failed operation (exit code 1, or 3 when `unreachable`), its message followed by the cause's.
 *
 * @since 0.1.0
 * @category constructors
 */
export const failed = (message: string, cause: unknown, unreachable = false): CliFailure =>
  new CliFailure({
    message: `${message}: ${describe(cause)}`,
    exitCode: unreachable ? ExitCode.Unreachable : ExitCode.Failed,
    cause
  })

// The error's own message (effect-users' errors already carry their cause's), with its direct cause's when the
// message alone says nothing of it (a driver's "Query failed").
const messageOf = (value: unknown): string => value instanceof Error ? value.message : String(value)
const describe = (cause: unknown): string => {
  const message = messageOf(cause)
  const inner = typeof cause === "object" && cause !== null && "cause" in cause
    ? Reflect.get(cause, "cause")
    : undefined
  if (inner === undefined || inner === null) return message
  const detail = messageOf(inner)
  return message.includes(detail) ? message : `${message} (${detail})`
}
