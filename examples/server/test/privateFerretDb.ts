/**
 * A FerretDB 1.24.2 and its PostgreSQL, both private to one test, which it can stop, start and freeze (SIGSTOP) at
 * will — the shared test services are never touched. PostgreSQL is Debian's (as root it runs as `postgres`, as in
 * scripts/services.sh); FerretDB is the binary scripts/services.sh built from the Go module proxy.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { connect } from "node:net"
import { homedir, tmpdir } from "node:os"
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
    readonly stop: () => void
    readonly start: () => void
    readonly freeze: (frozen: boolean) => void
  }
  readonly destroy: () => Promise<void>
}

const isRoot = process.getuid?.() === 0
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

const pgBindir = (): string => {
  const version = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a))[0]
  if (version === undefined) throw new Error("PostgreSQL binaries not found in /usr/lib/postgresql")
  return `/usr/lib/postgresql/${version}/bin`
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const listening = (port: number): Promise<boolean> =>
  new Promise((r) => {
    const socket = connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      r(true)
    })
    socket.once("error", () => r(false))
  })

/** Starts PostgreSQL on `pgPort` and FerretDB on `ferretPort`, both on 127.0.0.1. */
export const startPrivateFerretDb = async (pgPort: number, ferretPort: number): Promise<PrivateFerretDb> => {
  const bin = pgBindir()
  const base = mkdtempSync(isRoot ? "/var/lib/postgresql/effect-users-ferret-" : join(tmpdir(), "effect-users-ferret-"))
  const data = join(base, "data")
  if (isRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim())
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim())
    chownSync(base, uid, gid)
  }
  const asPg = (cmd: string, args: ReadonlyArray<string>) =>
    isRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", join(bin, cmd), ...args], { stdio: "pipe", timeout: 60_000 })
      : execFileSync(join(bin, cmd), args, { stdio: "pipe", timeout: 60_000 })
  asPg("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
  const pgStart = () =>
    void asPg("pg_ctl", [
      "-D",
      data,
      "-l",
      join(base, "log"),
      "-w",
      "-t",
      "30",
      "start",
      "-o",
      `-p ${pgPort} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`
    ])
  const pgStop = () => void asPg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
  const pgPids = (): Array<number> => {
    const postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0])
    const children = execFileSync("ps", ["-o", "pid=", "--ppid", String(postmaster)]).toString()
      .split("\n").map((s) => Number(s.trim())).filter((n) => n > 0)
    return [postmaster, ...children]
  }
  const pgFreeze = (frozen: boolean) => {
    for (const pid of pgPids()) process.kill(pid, frozen ? "SIGSTOP" : "SIGCONT")
  }
  pgStart()

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
    postgres: { start: pgStart, stop: pgStop, freeze: pgFreeze },
    destroy: async () => {
      await ferretStop()
      try {
        pgFreeze(false)
      } catch {
        // not running
      }
      try {
        pgStop()
      } catch {
        // already stopped
      }
      rmSync(base, { recursive: true, force: true })
    }
  }
}
