/**
 * A PostgreSQL cluster and a Redis private to one test, which it can stop, start and freeze (SIGSTOP) at will — the
 * shared test services are never touched. PostgreSQL is Debian's (as root it runs as `postgres`, as in
 * scripts/services.sh); Redis is the `redis-server` on PATH, without persistence. Give each a `freePort`
 * (TestServices), so that no other test's server takes its port while it is down.
 *
 * @since 0.1.0
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** A service the test controls. */
export interface PrivateService {
  readonly url: string
  readonly start: () => Promise<void>
  /** Stops it: `pg_ctl -m immediate` for PostgreSQL, SIGKILL for Redis. */
  readonly stop: () => Promise<void>
  /** SIGSTOP (or SIGCONT) every server process: a service that accepts nothing and answers nothing. */
  readonly freeze: (frozen: boolean) => void
  readonly destroy: () => Promise<void>
}

/** A private PostgreSQL, with the directory it lives in. */
export interface PrivatePostgres extends PrivateService {
  readonly dir: string
}

const isRoot = process.getuid?.() === 0

const pgBindir = (): string => {
  const version = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a))[0]
  if (version === undefined) throw new Error("PostgreSQL binaries not found in /usr/lib/postgresql")
  return `/usr/lib/postgresql/${version}/bin`
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export const listening = (port: number): Promise<boolean> =>
  new Promise((r) => {
    const socket = connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      r(true)
    })
    socket.once("error", () => r(false))
  })

/**
 * Creates a PostgreSQL cluster on 127.0.0.1:`port` (UTF-8, `C.UTF-8`, no fsync); started unless `started` is false.
 */
export const startPrivatePostgres = async (
  port: number,
  options: { readonly started?: boolean; readonly maxConnections?: number } = {}
): Promise<PrivatePostgres> => {
  const bin = pgBindir()
  // as root the cluster must live where the `postgres` user can reach it
  const dir = mkdtempSync(
    isRoot ? "/var/lib/postgresql/effect-users-private-" : join(tmpdir(), "effect-users-private-")
  )
  const data = join(dir, "data")
  if (isRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim())
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim())
    chownSync(dir, uid, gid)
  }
  const asPg = (cmd: string, args: ReadonlyArray<string>) =>
    isRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", join(bin, cmd), ...args], { stdio: "pipe", timeout: 60_000 })
      : execFileSync(join(bin, cmd), args, { stdio: "pipe", timeout: 60_000 })
  asPg("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
  const start = async () =>
    void asPg("pg_ctl", [
      "-D",
      data,
      "-l",
      join(dir, "log"),
      "-w",
      "-t",
      "30",
      "start",
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=${
        options.maxConnections ?? 50
      }`
    ])
  const stop = async () => void asPg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
  const postmasterPid = (): number => Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0])
  const children = (postmaster: number): Array<number> =>
    execFileSync("ps", ["-o", "pid=", "--ppid", String(postmaster)]).toString()
      .split("\n").map((s) => Number(s.trim())).filter((n) => n > 0)
  const freeze = (frozen: boolean) => {
    const postmaster = postmasterPid()
    if (frozen) {
      // the postmaster first, so that it forks no backend after its children are listed: one forked in between would
      // keep serving its connection, and the "frozen" database would answer
      process.kill(postmaster, "SIGSTOP")
      for (const pid of children(postmaster)) process.kill(pid, "SIGSTOP")
    } else {
      for (const pid of children(postmaster)) process.kill(pid, "SIGCONT")
      process.kill(postmaster, "SIGCONT")
    }
  }
  if (options.started !== false) await start()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    start,
    stop,
    freeze,
    destroy: async () => {
      try {
        freeze(false)
      } catch {
        // not running
      }
      try {
        await stop()
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Starts a Redis on 127.0.0.1:`port`, without persistence. */
export const startPrivateRedis = async (port: number): Promise<PrivateService> => {
  let child: ChildProcess | undefined
  let log = ""
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    child.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")))
    child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")))
    const deadline = Date.now() + 20_000
    while (!(await listening(port))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start:\n${log}`)
      await sleep(50)
    }
  }
  const stop = async () => {
    const running = child
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise<void>((r) => running.once("exit", () => r()))
    running.kill("SIGCONT")
    running.kill("SIGKILL")
    await exited
  }
  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    freeze: (frozen) => void child?.kill(frozen ? "SIGSTOP" : "SIGCONT"),
    destroy: stop
  }
}
