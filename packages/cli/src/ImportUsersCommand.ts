/**
 * `effect-users import-users`: stores the users of an export (JSON lines or CSV) with their existing password
 * hashes through `UserManager.importUser`; each is verified and rehashed at its first login.
 *
 * @since 0.1.0
 */
import { UserManager } from "@effect-users/core/UserManager"
import { Console, Effect, FileSystem, Option, Ref, Stdio, Stream } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { CliFailure, ExitCode, usage } from "./CliFailure.ts"
import { manager } from "./internal/manager.ts"
import { splitCsv, toRecord } from "./internal/records.ts"
import { resolve, storageFlags, storeFailure } from "./internal/storage.ts"

interface Tally {
  readonly rows: number
  readonly imported: number
  readonly present: number
  readonly refused: number
}

const summary = (t: Tally) =>
  `${t.rows} rows: ${t.imported} imported, ${t.present} already present, ${t.refused} refused`

/**
 * The `import-users` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "import-users",
  {
    ...storageFlags,
    file: Argument.String("file").pipe(Argument.withDescription("the export: a path, or - for standard input")),
    format: Flag.Literals("format", ["jsonl", "csv"]).pipe(
      Flag.withDescription(
        "jsonl (one JSON object per line) or csv (a header line, one user per line); default: by extension"
      ),
      Flag.optional
    ),
    progressEvery: Flag.Int("progress-every").pipe(
      Flag.withDescription("report progress on stderr every N rows"),
      Flag.withDefault(1000)
    )
  },
  Effect.fn("effect-users import-users")(function*(flags) {
    const format = Option.getOrElse(flags.format, () => flags.file.endsWith(".csv") ? "csv" : "jsonl")
    const storage = yield* resolve(flags)
    const fs = yield* FileSystem.FileSystem
    const stdio = yield* Stdio.Stdio
    const bytes = flags.file === "-" ? stdio.stdin : fs.stream(flags.file)
    const lines = bytes.pipe(Stream.decodeText, Stream.splitLines, Stream.zipWithIndex)
    const tally = yield* Ref.make<Tally>({ rows: 0, imported: 0, present: 0, refused: 0 })
    const header = yield* Ref.make<ReadonlyArray<string> | undefined>(undefined)
    const count = (key: "imported" | "present" | "refused") =>
      Ref.updateAndGet(tally, (t) => ({ ...t, rows: t.rows + 1, [key]: t[key] + 1 }))

    const parse = (line: string) =>
      Effect.gen(function*() {
        if (format === "jsonl") {
          return yield* Effect.try({ try: (): unknown => JSON.parse(line), catch: () => "not valid JSON" })
        }
        const columns = yield* Ref.get(header)
        const fields = splitCsv(line)
        if (columns === undefined) return yield* Effect.fail("no header")
        if (fields.length !== columns.length) {
          return yield* Effect.fail(`${fields.length} fields for ${columns.length} columns`)
        }
        return Object.fromEntries(columns.map((name, i) => [name, fields[i]]))
      })

    const importLine = (users: UserManager["Service"]) => ([line, index]: readonly [string, number]) =>
      Effect.gen(function*() {
        if (line.trim() === "") return
        if (format === "csv" && (yield* Ref.get(header)) === undefined) {
          return yield* Ref.set(header, splitCsv(line).map((name) => name.trim()))
        }
        const refuse = (reason: string) =>
          Effect.andThen(Console.error(`line ${index + 1}: refused: ${reason}`), count("refused"))
        const record = yield* parse(line).pipe(Effect.flatMap(toRecord), Effect.result)
        const after = record._tag === "Failure"
          ? yield* refuse(record.failure)
          : yield* users.importUser(record.success).pipe(
            Effect.andThen(count("imported")),
            Effect.catchTags({
              UserAlreadyExists: () => count("present"),
              InvalidUserImport: (error) => refuse(`${error.field}: ${error.reason}`),
              UserRepositoryError: (error) =>
                Effect.flatMap(
                  Ref.get(tally),
                  (t) => Effect.fail(storeFailure(`stopped at line ${index + 1} (${summary(t)})`, error))
                )
            })
          )
        if (after.rows % flags.progressEvery === 0) yield* Console.error(`import-users: ${summary(after)}`)
      })

    yield* Effect.gen(function*() {
      const users = yield* UserManager
      yield* Stream.runForEach(lines, importLine(users))
    }).pipe(
      Effect.catchTag("PlatformError", (error) => Effect.fail(usage(`cannot read ${flags.file}: ${error.message}`))),
      Effect.provide(manager(storage, { hashParams: "owasp", minPasswordLength: 1 }))
    )
    const done = yield* Ref.get(tally)
    yield* Console.log(summary(done))
    if (done.refused > 0) {
      return yield* new CliFailure({
        message: `${done.refused} rows were refused (see above)`,
        exitCode: ExitCode.Failed
      })
    }
  })
).pipe(
  Command.withDescription(
    "Import users with their existing password hashes (Argon2 PHC strings or bcrypt, as FastAPI Users, Auth0 and " +
      "Better Auth exports hold them); each is rehashed to Argon2id at its first login. Users already present are " +
      "left as they are."
  ),
  Command.withExamples([
    { command: "effect-users import-users users.jsonl", description: "one JSON object per line" },
    {
      command: "effect-users import-users export.csv --format csv",
      description: "a header line: email,hashed_password,…"
    }
  ])
)
