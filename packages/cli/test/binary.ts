/**
 * The built `effect-users` executable (`dist/bin/effect-users.js`, as `npm run build` writes it), run as a separate
 * process without the workspace's source condition, so it resolves every package's `dist` as an installed one would.
 */
import { requireUrl } from "@effect-users/testing/TestServices"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { execFile, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

export const root = fileURLToPath(new URL("../../../", import.meta.url))
export const bin = `${root}packages/cli/dist/bin/effect-users.js`

let built: Promise<unknown> | undefined

/** Builds the CLI and the packages it depends on (`tsc -b`, incremental: a no-op when up to date), once per file. */
export const build = (): Promise<unknown> => {
  built ??= promisify(execFile)(process.execPath, [
    `${root}node_modules/typescript/bin/tsc`,
    "-b",
    `${root}packages/cli/tsconfig.lib.json`
  ], {
    cwd: root,
    timeout: 300_000
  })
  return built
}

/** The environment of a run: no source condition, no database unless given. */
const cleanEnv = (env: Record<string, string>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key === "NODE_OPTIONS" || key.startsWith("npm_")) continue
    if (
      ["DATABASE_URL", "MONGODB_URL", "MONGODB_DATABASE", "EMBEDDED_POSTGRES_DIR", "EFFECT_USERS_PASSWORD"].includes(
        key
      )
    ) continue
    out[key] = value
  }
  return { ...out, ...env }
}

export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the built binary with `args`, `input` on its standard input, and `env` added to a clean environment. */
export const cli = (
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly input?: string } = {}
): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: cleanEnv(options.env ?? {}),
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000)
    child.on("error", reject)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(options.input ?? "")
  })

const onAdmin = (statement: string) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(requireUrl("DATABASE_URL")), maxConnections: 1 }))
    )
  )

/** A fresh database on the test PostgreSQL: its URL and how to drop it. */
export const freshDatabase = async (): Promise<{ readonly url: string; readonly drop: () => Promise<unknown> }> => {
  const name = `eu_cli_${process.pid}_${randomBytes(4).toString("hex")}`
  await onAdmin(`CREATE DATABASE "${name}"`)
  const url = new URL(requireUrl("DATABASE_URL"))
  url.pathname = `/${name}`
  return { url: url.href, drop: () => onAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) }
}

/** Runs one query on a database. */
export const query = <A extends object>(url: string, statement: string): Promise<ReadonlyArray<A>> =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<A>(statement)).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 }))
    )
  )
