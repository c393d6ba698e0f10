/**
 * `node bench/storm.ts` (P3): does a login storm starve the read path? `GET /users/me` (JWT, 8 connections) against
 * effect-users' example server on the PostgreSQL at DATABASE_URL, idle and while 8 connections log in without pause,
 * at the OWASP minimum and at FastAPI Users' Argon2id parameters, with the hash threads niced (the default) and at the
 * process's priority, interleaved in rounds. Targets: `/users/me` p99 under the storm ≤ 2× idle, its throughput
 * ≥ 0.5× idle, and logins ≥ 0.8× the rate they reach alone.
 *
 * Environment: DATABASE_URL (required), BENCH_ROUNDS (3), BENCH_DURATION (seconds per run, 10), BENCH_PARAMS
 * (`owasp,fastapi`), BENCH_NICENESS (`10,0`), BENCH_CPUS (e.g. `0-1`: every process under `taskset -c`).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { createServer } from "node:net"
import { loadavg } from "node:os"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const env = process.env
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3)
const DURATION = Number(env.BENCH_DURATION ?? 10)
const PARAMS = (env.BENCH_PARAMS ?? "owasp,fastapi").split(",")
const NICENESS = (env.BENCH_NICENESS ?? "10,0").split(",")
const CPUS = env.BENCH_CPUS ?? ""
const databaseUrl = env.DATABASE_URL ?? ""
if (databaseUrl === "") {
  process.stderr.write("bench/storm: DATABASE_URL is not set (run it through scripts/services.sh)\n")
  process.exit(1)
}
const log = (line: string) => process.stdout.write(`${line}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const children: Array<ChildProcess> = []
const pinned = (command: string, args: ReadonlyArray<string>) =>
  CPUS === "" ? [command, ...args] : ["taskset", "-c", CPUS, command, ...args]

const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolvePort(port))
    })
  })

interface Target {
  readonly name: string
  readonly url: string
  readonly token: string
  readonly loginBody: string
}

const start = async (params: string, niceness: string): Promise<Target> => {
  const port = await freePort()
  const [command = "", ...args] = pinned(process.execPath, [join(root, "examples/server/src/main.ts")])
  const child = spawn(command, args, {
    cwd: root,
    env: {
      ...env,
      PORT: String(port),
      SECRET: randomBytes(32).toString("base64url"),
      DATABASE_URL: databaseUrl,
      REDIS_URL: "",
      MONGODB_URL: "",
      PASSWORD_HASH: params,
      PASSWORD_HASH_NICENESS: niceness
    },
    stdio: ["ignore", "ignore", "inherit"]
  })
  children.push(child)
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})`)
    const up = await fetch(`${url}/openapi.json`).then((r) => r.arrayBuffer().then(() => true), () => false)
    if (up) break
    await sleep(100)
  }
  const email = `storm-${params}-${randomBytes(4).toString("hex")}@camelot.bt`
  const password = "storm-password"
  const registered = await fetch(`${url}/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password })
  })
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}`)
  const loginBody = new URLSearchParams({ username: email, password }).toString()
  const login = await fetch(`${url}/auth/jwt/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: loginBody
  })
  if (login.status !== 200) throw new Error(`login answered ${login.status}`)
  const token = ((await login.json()) as { access_token: string }).access_token
  return { name: `${params}, niceness ${niceness}`, url, token, loginBody }
}

interface Sample {
  readonly rps: number
  readonly p99: number
  readonly errors: number
}

const wrk = execFileSync("bash", [join(root, "bench/ensure-wrk.sh")], {
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"]
}).trim()

const run = (args: ReadonlyArray<string>, extraEnv: Record<string, string>) =>
  new Promise<Sample>((resolveRun, reject) => {
    const [command = "", ...rest] = pinned(wrk, ["-t1", "-c8", `-d${DURATION}s`, "--timeout", "10s", ...args])
    const child = spawn(command, rest, {
      cwd: root,
      env: { ...env, ...extraEnv },
      stdio: ["ignore", "pipe", "inherit"]
    })
    children.push(child)
    let out = ""
    child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")))
    child.once("exit", (code) => {
      const line = out.trim().split("\n").findLast((l) => l.startsWith("{"))
      if (code !== 0 || line === undefined) return reject(new Error(`wrk exited ${code}: ${out}`))
      const r = JSON.parse(line) as Record<string, number>
      const n = (key: string) => r[key] ?? 0
      resolveRun({
        rps: n("rps"),
        p99: n("p99") / 1000,
        errors: n("connect") + n("read") + n("write") + n("status") + n("timeout")
      })
    })
  })

const me = (target: Target) =>
  run(["-s", join(root, "bench/wrk-report.lua"), `${target.url}/users/me`], {
    BENCH_AUTHORIZATION: `Bearer ${target.token}`
  })
const logins = (target: Target) =>
  run(["-s", join(root, "bench/wrk-login.lua"), `${target.url}/auth/jwt/login`], {
    BENCH_LOGIN_BODY: target.loginBody
  })

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

interface Round {
  readonly p99: number
  readonly rps: number
  readonly logins: number
  readonly errors: number
}

const main = async () => {
  log(`bench/storm: ${ROUNDS} rounds × 3 runs of ${DURATION} s per configuration${CPUS === "" ? "" : `, cpus ${CPUS}`}`)
  const targets: Array<Target> = []
  for (const params of PARAMS) for (const niceness of NICENESS) targets.push(await start(params, niceness))
  for (const target of targets) await me(target)
  const rounds = new Map<string, Array<Round>>(targets.map((t) => [t.name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets) {
      const idle = await me(target)
      const alone = await logins(target)
      const [storm, during] = await Promise.all([me(target), logins(target)])
      const result = {
        p99: storm.p99 / idle.p99,
        rps: storm.rps / idle.rps,
        logins: during.rps / alone.rps,
        errors: idle.errors + alone.errors + storm.errors + during.errors
      }
      rounds.get(target.name)?.push(result)
      log(
        `round ${round + 1} ${target.name}: /users/me idle ${idle.rps.toFixed(0)} req/s p99 ${
          idle.p99.toFixed(1)
        } ms; ` +
          `storm ${storm.rps.toFixed(0)} req/s p99 ${storm.p99.toFixed(1)} ms; logins alone ${
            alone.rps.toFixed(1)
          }/s, ` +
          `during ${during.rps.toFixed(1)}/s; errors ${result.errors}`
      )
    }
  }
  log(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; medians of per-round ratios:\n`)
  log("| configuration | p99 storm/idle (≤ 2) | req/s storm/idle (≥ 0.5) | logins during/alone (≥ 0.8) | errors |")
  log("| --- | ---: | ---: | ---: | ---: |")
  for (const [name, results] of rounds) {
    const p99 = median(results.map((r) => r.p99))
    const rps = median(results.map((r) => r.rps))
    const loginRatio = median(results.map((r) => r.logins))
    const mark = (ok: boolean) => (ok ? "met" : "missed")
    log(
      `| ${name} | ${p99.toFixed(2)} ${mark(p99 <= 2)} | ${rps.toFixed(2)} ${mark(rps >= 0.5)} | ` +
        `${loginRatio.toFixed(2)} ${mark(loginRatio >= 0.8)} | ${results.reduce((n, r) => n + r.errors, 0)} |`
    )
  }
}

main().then(
  () => {
    for (const child of children) child.kill("SIGTERM")
  },
  (error: unknown) => {
    for (const child of children) child.kill("SIGTERM")
    process.stderr.write(`bench/storm: ${String(error)}\n`)
    process.exitCode = 1
  }
)
