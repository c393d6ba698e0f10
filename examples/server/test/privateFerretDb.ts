/**
 * A FerretDB 1.24.2 and its PostgreSQL, both private to one test, which it can stop, start and freeze (SIGSTOP) at
 * will — the shared test services are never touched. PostgreSQL is test/privateServices.ts's private cluster; FerretDB
 * is the binary scripts/services.sh built from the Go module proxy.
 */
import { listening, startPrivatePostgres } from "@effect-users/testing/PrivateServices"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { homedir } from "node:os"
import { join, resolve } from "node:path"

/** The two private servers. */
export interface PrivateFerretDb {
  readonly url: string
  readonly ferret: {
    readonly stop: () => Promise<void>
    readonly start: () => Promise<void>
    readonly freeze: (frozen: boolean) => void
  }
  readonly postgres: {
    readonly stop: () => Promise<void>
    readonly start: () => Promise<void>
    readonly freeze: (frozen: boolean) => void
  }
  readonly destroy: () => Promise<void>
}

const root = resolve(import.meta.dirname, "../../..")

/** The FerretDB binary scripts/services.sh built (in the repository's .services, or the per-machine cache). */
const ferretBinary = (): string => {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache")
  const candidates = [
    join(root, ".services/bin/ferretdb-v1.24.2"),
    join(cache, "effect-users/ferretdb-v1.24.2")
  ]
  const found = candidates.find((path) => existsSync(path))
  if (found === undefined) {
    throw new Error(`FerretDB v1.24.2 not found (${candidates.join(", ")}): run \`bash scripts/services.sh\` once`)
  }
  return found
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Starts PostgreSQL on `pgPort` and FerretDB on `ferretPort`, both on 127.0.0.1. */
export const startPrivateFerretDb = async (pgPort: number, ferretPort: number): Promise<PrivateFerretDb> => {
  const postgres = await startPrivatePostgres(pgPort)
  const base = postgres.dir
  const binary = ferretBinary()
  let ferret: ChildProcess | undefined
  let log = ""
  const ferretStart = async () => {
    ferret = spawn(binary, [
      `--listen-addr=127.0.0.1:${ferretPort}`,
      "--handler=postgresql",
      `--postgresql-url=postgres://postgres@127.0.0.1:${pgPort}/postgres`,
      `--state-dir=${base}`,
      "--debug-addr=-",
      "--telemetry=disable",
      "--log-level=error"
    ], { stdio: ["ignore", "pipe", "pipe"] })
    ferret.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")))
    ferret.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")))
    const deadline = Date.now() + 20_000
    while (!(await listening(ferretPort))) {
      if (Date.now() > deadline || ferret.exitCode !== null) throw new Error(`FerretDB did not start:\n${log}`)
      await sleep(100)
    }
  }
  const ferretStop = async () => {
    const child = ferret
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((r) => child.once("exit", () => r()))
    child.kill("SIGCONT")
    child.kill("SIGKILL")
    await exited
  }
  const ferretFreeze = (frozen: boolean) => {
    ferret?.kill(frozen ? "SIGSTOP" : "SIGCONT")
  }
  await ferretStart()
  return {
    url: `mongodb://127.0.0.1:${ferretPort}/`,
    ferret: { start: ferretStart, stop: ferretStop, freeze: ferretFreeze },
    postgres: { start: postgres.start, stop: postgres.stop, freeze: postgres.freeze },
    destroy: async () => {
      await ferretStop()
      await postgres.destroy()
    }
  }
}
