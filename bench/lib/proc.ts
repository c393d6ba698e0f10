/**
 * Child processes of the bench: free ports, spawning (optionally pinned to CPUs with `taskset`, output to a log file,
 * never the terminal), waiting for a server to answer, memory of a process (`/proc`), and stopping everything the bench
 * started at the end, even after a failure.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { logDir, root } from "./config.ts"

export const log = (line: string) => process.stdout.write(`${line}\n`)
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolvePort(port))
    })
  })

const children = new Set<ChildProcess>()
let logs = 0

export interface Spawned {
  readonly child: ChildProcess
  readonly pid: number
  readonly logFile: string
  /** The end of the log (for error messages). */
  readonly tail: () => string
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process exited. */
  readonly stop: () => Promise<void>
}

export interface SpawnOptions {
  readonly env?: Record<string, string | undefined>
  /** `taskset -c <cpus>`: the process (and its threads and children) runs on these CPUs only. */
  readonly cpus?: string | undefined
  readonly cwd?: string
  /** A name for the log file. */
  readonly name: string
}

const withoutUndefined = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))

export const pinned = (cpus: string | undefined, command: string, args: ReadonlyArray<string>) =>
  cpus === undefined || cpus === "" ? [command, ...args] : ["taskset", "-c", cpus, command, ...args]

export const start = (command: string, args: ReadonlyArray<string>, options: SpawnOptions): Spawned => {
  const logFile = join(logDir, `${String(++logs).padStart(3, "0")}-${options.name.replace(/[^\w.-]+/g, "_")}.log`)
  const fd = openSync(logFile, "w")
  const [file = "", ...rest] = pinned(options.cpus, command, args)
  const child = spawn(file, rest, {
    cwd: options.cwd ?? root,
    env: withoutUndefined({ ...process.env, ...options.env }),
    stdio: ["ignore", fd, fd]
  })
  closeSync(fd)
  children.add(child)
  const exited = new Promise<void>((r) => child.once("exit", () => r()))
  child.once("exit", () => children.delete(child))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
    child.kill("SIGTERM")
    await exited
    clearTimeout(timer)
  }
  const tail = () => {
    try {
      return readFileSync(logFile, "utf8").slice(-3000)
    } catch {
      return ""
    }
  }
  return { child, pid: child.pid ?? 0, logFile, tail, stop }
}

/** Runs a command to its end and returns its standard output (its errors go to a log file). */
export const run = (command: string, args: ReadonlyArray<string>, options: SpawnOptions): Promise<string> =>
  new Promise((resolveRun, reject) => {
    const [file = "", ...rest] = pinned(options.cpus, command, args)
    const child = spawn(file, rest, {
      cwd: options.cwd ?? root,
      env: withoutUndefined({ ...process.env, ...options.env }),
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.add(child)
    let out = ""
    let err = ""
    child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")))
    child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")))
    child.once("exit", (code) => {
      children.delete(child)
      if (code === 0) resolveRun(out)
      else reject(new Error(`${options.name} exited ${code}: ${err.slice(-2000)}`))
    })
  })

/** Polls `url` until it answers (any status), the process exits, or `seconds` pass. */
export const waitUntilServing = async (spawned: Spawned, url: string, seconds = 90): Promise<void> => {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    if (spawned.child.exitCode !== null) {
      throw new Error(`${url}: the server exited (${spawned.child.exitCode}):\n${spawned.tail()}`)
    }
    const up = await fetch(url).then((r) => r.arrayBuffer().then(() => true), () => false)
    if (up) return
    await sleep(50)
  }
  throw new Error(`${url} did not answer within ${seconds} s:\n${spawned.tail()}`)
}

export const stopAll = async () => {
  await Promise.all(
    [...children].map((child) =>
      new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) return r()
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
        child.once("exit", () => {
          clearTimeout(timer)
          r()
        })
        child.kill("SIGTERM")
      })
    )
  )
}

/** The processes of a tree (a server and its workers): `pid` and its descendants, from /proc. */
export const descendants = (pid: number): Array<number> => {
  try {
    const out = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" })
    const parents = out.trim().split("\n").map((line) => line.trim().split(/\s+/).map(Number))
    const tree = [pid]
    for (let i = 0; i < tree.length; i++) {
      for (const [child, parent] of parents) if (parent === tree[i] && child !== undefined) tree.push(child)
    }
    return tree
  } catch {
    return [pid]
  }
}

const status = (pid: number, field: "VmRSS" | "VmHWM"): number => {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return Number(match?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

/** Resident memory in MiB (the sum over the process tree). */
export const rss = (pid: number) => descendants(pid).reduce((n, p) => n + status(p, "VmRSS"), 0)
/** Peak resident memory in MiB since the last `resetPeak` (Linux's VmHWM; the sum over the tree). */
export const peakRss = (pid: number) => descendants(pid).reduce((n, p) => n + status(p, "VmHWM"), 0)
/** Resets the peak (`/proc/<pid>/clear_refs` ← 5), so that `peakRss` measures from now. */
export const resetPeak = (pid: number) => {
  for (const p of descendants(pid)) {
    try {
      writeFileSync(`/proc/${p}/clear_refs`, "5")
    } catch {
      // a process that just exited
    }
  }
}
