import { execFileSync } from "node:child_process"
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * A throw-away PostgreSQL cluster that a test starts, stops and freezes itself (Debian's binaries; as root the
 * server runs as `postgres`).
 */
export interface Cluster {
  readonly url: string
  readonly start: () => void
  readonly stop: () => void
  /** SIGSTOP (or SIGCONT) every server process: a database that accepts nothing and answers nothing. */
  readonly freeze: (frozen: boolean) => void
  readonly destroy: () => void
}

const bindir = (): string => {
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a))
  const version = versions[0]
  if (version === undefined) throw new Error("PostgreSQL binaries not found in /usr/lib/postgresql")
  return `/usr/lib/postgresql/${version}/bin`
}

const isRoot = process.getuid?.() === 0

export const makeCluster = (port: number): Cluster => {
  const bin = bindir()
  // As root the cluster must live where the `postgres` user can reach it (as in scripts/services.sh).
  const base = mkdtempSync(
    isRoot ? "/var/lib/postgresql/effect-users-outage-" : join(tmpdir(), "effect-users-outage-")
  )
  const data = join(base, "data")
  if (isRoot) {
    const ids = execFileSync("id", ["-u", "postgres"]).toString().trim()
    const gid = execFileSync("id", ["-g", "postgres"]).toString().trim()
    chownSync(base, Number(ids), Number(gid))
  }
  const asPg = (cmd: string, args: ReadonlyArray<string>) =>
    isRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", join(bin, cmd), ...args], { stdio: "pipe", timeout: 60_000 })
      : execFileSync(join(bin, cmd), args, { stdio: "pipe", timeout: 60_000 })
  asPg("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
  const start = () =>
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
      `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=20`
    ])
  const stop = () => void asPg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
  const pids = (): Array<number> => {
    const postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0])
    const children = execFileSync("ps", ["-o", "pid=", "--ppid", String(postmaster)]).toString()
      .split("\n").map((s) => Number(s.trim())).filter((n) => n > 0)
    return [postmaster, ...children]
  }
  const freeze = (frozen: boolean) => {
    for (const pid of pids()) process.kill(pid, frozen ? "SIGSTOP" : "SIGCONT")
  }
  const destroy = () => {
    try {
      freeze(false)
    } catch {
      // not running
    }
    try {
      stop()
    } catch {
      // already stopped
    }
    rmSync(base, { recursive: true, force: true })
  }
  start()
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, start, stop, freeze, destroy }
}
