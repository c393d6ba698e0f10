import { Config, Effect, Option, Redacted, Stdio, Stream } from "effect"
import { Flag, Prompt } from "effect/cli"
import { failed, usage } from "../CliFailure.ts"

/** Where a password comes from in a script: standard input, or a variable (a prompt otherwise). */
export const passwordFlags = {
  passwordStdin: Flag.Boolean("password-stdin").pipe(
    Flag.withDescription("read the password from the first line of standard input"),
    Flag.withDefault(false)
  )
} as const

const VARIABLE = "EFFECT_USERS_PASSWORD"

/**
 * The password: the first line of standard input with `--password-stdin`, else `$EFFECT_USERS_PASSWORD`, else a
 * prompt (twice, when `confirm`) on a terminal; never echoed.
 */
export const readPassword = (
  flags: { readonly passwordStdin: boolean },
  confirm: boolean
) =>
  Effect.gen(function*() {
    const stdio = yield* Stdio.Stdio
    if (flags.passwordStdin) {
      const line = yield* stdio.stdin.pipe(
        Stream.decodeText,
        Stream.splitLines,
        Stream.runHead,
        Effect.mapError((e) => failed("cannot read standard input", e))
      )
      if (Option.isNone(line) || line.value === "") {
        return yield* usage("--password-stdin: standard input held no password")
      }
      return Redacted.make(line.value)
    }
    const variable = yield* Config.option(Config.Redacted(VARIABLE)).pipe(Effect.orElseSucceed(() => Option.none()))
    if (Option.isSome(variable) && Redacted.value(variable.value) !== "") return variable.value
    if (!(yield* stdio.stdinIsTerminal)) {
      return yield* usage(`no password: pass --password-stdin, set ${VARIABLE}, or run on a terminal to be prompted`)
    }
    const first = yield* Prompt.run(Prompt.Password({ message: "Password" }))
    if (confirm) {
      const again = yield* Prompt.run(Prompt.Password({ message: "Password (again)" }))
      if (Redacted.value(first) !== Redacted.value(again)) return yield* usage("the two passwords differ")
    }
    return Redacted.make(Redacted.value(first))
  }).pipe(
    Effect.catchTag("QuitError", () => Effect.fail(usage("no password entered")))
  )
