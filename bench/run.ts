/**
 * `npm run bench`: the authenticated read path, `GET /users/me` with a JWT bearer token, against effect-users'
 * example server on the real PostgreSQL at DATABASE_URL, side by side in one run with two hand-written ceilings
 * (bench/servers/bare.ts: static JSON; bench/servers/floor.ts: the same work with no framework). The load comes
 * from a separate process on loopback (wrk, installed by bench/ensure-wrk.sh; autocannon otherwise), bounded in
 * time, in several interleaved rounds; the table shows medians, p99 and the ratio to the floor, and is written to
 * docs/benchmarks.md between the generated-section markers (the notes around them are kept).
 *
 * Environment: DATABASE_URL (required; `npm run bench` sets it through scripts/services.sh), BENCH_ROUNDS (3),
 * BENCH_DURATION (seconds per run, 10), BENCH_WARMUP (seconds, 3), BENCH_CONNECTIONS (32), BENCH_LOADGEN
 * (`wrk` or `autocannon`), BENCH_WRITE (`0` to leave docs/benchmarks.md alone), BENCH_BASELINE (another checkout
 * whose example server is measured in the same rounds, for a before/after ratio).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { cpus, loadavg, release, totalmem } from "node:os"
import { join, resolve } from "node:path"
import pg from "pg"

const root = resolve(import.meta.dirname, "..")
const env = process.env
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3)
const DURATION = Number(env.BENCH_DURATION ?? 10)
const WARMUP = Number(env.BENCH_WARMUP ?? 3)
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 32)
const databaseUrl = env.DATABASE_URL ?? ""
if (databaseUrl === "") {
  process.stderr.write(
    "bench: DATABASE_URL is not set: the benchmark needs PostgreSQL. Run it with `npm run bench` (which starts the " +
      "services), or `bash scripts/services.sh -- node bench/run.ts`.\n"
  )
  process.exit(1)
}

const log = (line: string) => process.stdout.write(`${line}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

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

interface Server {
  readonly name: string
  readonly url: string
  readonly child: ChildProcess
  readonly output: () => string
}

const children: Array<ChildProcess> = []

const startServer = async (
  name: string,
  script: string,
  extraEnv: Record<string, string>,
  readyPath: string
): Promise<Server> => {
  const port = await freePort()
  const childEnv: Record<string, string | undefined> = { ...env, ...extraEnv, PORT: String(port) }
  delete childEnv.REDIS_URL
  delete childEnv.MONGODB_URL
  const child = spawn(process.execPath, [resolve(root, script)], {
    cwd: root,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"]
  })
  children.push(child)
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${output}`)
    try {
      const response = await fetch(`${url}${readyPath}`)
      await response.arrayBuffer()
      return { name, url, child, output: () => output }
    } catch {
      await sleep(100)
    }
  }
  throw new Error(`${name} did not start within 60 s:\n${output}`)
}

const stopAll = async () => {
  await Promise.all(children.map((child) =>
    new Promise<void>((r) => {
      if (child.exitCode !== null || child.signalCode !== null) return r()
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
      child.once("exit", () => {
        clearTimeout(timer)
        r()
      })
      child.kill("SIGTERM")
    })
  ))
}

interface Sample {
  readonly rps: number
  /** Latency percentiles in milliseconds. */
  readonly p50: number
  readonly p99: number
  readonly errors: number
  readonly requests: number
}

const wrkPath = env.BENCH_LOADGEN === "autocannon"
  ? ""
  : execFileSync("bash", [join(root, "bench/ensure-wrk.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"]
  })
    .trim()
const loadgen = wrkPath === "" ? "autocannon" : "wrk"

const runProcess = (command: string, args: ReadonlyArray<string>, extraEnv: Record<string, string>) =>
  new Promise<string>((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] })
    children.push(child)
    let out = ""
    let err = ""
    child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")))
    child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")))
    child.once(
      "exit",
      (code) => (code === 0 ? resolveRun(out) : reject(new Error(`${command} exited ${code}: ${err}`)))
    )
  })

const load = async (url: string, token: string, seconds: number): Promise<Sample> => {
  const target = `${url}/users/me`
  if (loadgen === "wrk") {
    const out = await runProcess(
      wrkPath,
      ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--timeout", "5s", "-s", join(root, "bench/wrk-report.lua"), target],
      { BENCH_AUTHORIZATION: `Bearer ${token}` }
    )
    const line = out.trim().split("\n").findLast((l) => l.startsWith("{"))
    if (line === undefined) throw new Error(`wrk printed no report:\n${out}`)
    const r = JSON.parse(line) as Record<string, number>
    const num = (key: string) => r[key] ?? 0
    return {
      rps: num("rps"),
      p50: num("p50") / 1000,
      p99: num("p99") / 1000,
      errors: num("connect") + num("read") + num("write") + num("status") + num("timeout"),
      requests: num("requests")
    }
  }
  const out = await runProcess(
    process.execPath,
    [
      join(root, "node_modules/autocannon/autocannon.js"),
      "-j",
      "-c",
      String(CONNECTIONS),
      "-d",
      String(seconds),
      "-H",
      `authorization=Bearer ${token}`,
      target
    ],
    {}
  )
  const r = JSON.parse(out) as {
    requests: { average: number; total: number }
    latency: { p50: number; p99: number }
    errors: number
    non2xx: number
    timeouts: number
  }
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx + r.timeouts,
    requests: r.requests.total
  }
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

const main = async () => {
  const secret = randomBytes(32).toString("base64url")
  log(
    `bench: GET /users/me (JWT bearer), ${ROUNDS} interleaved rounds × ${DURATION} s per server, ${CONNECTIONS} connections, ${loadgen}`
  )

  const ours = await startServer(
    "effect-users",
    "examples/server/src/main.ts",
    { SECRET: secret, DATABASE_URL: databaseUrl },
    "/openapi.json"
  )
  const email = "bench@camelot.bt"
  const password = "bench-password"
  const registered = await fetch(`${ours.url}/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password })
  })
  if (registered.status !== 201 && registered.status !== 400) {
    throw new Error(`register answered ${registered.status}: ${await registered.text()}`)
  }
  await registered.arrayBuffer().catch(() => undefined)
  const login = await fetch(`${ours.url}/auth/jwt/login`, {
    method: "POST",
    body: new URLSearchParams({ username: email, password })
  })
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`)
  const token = ((await login.json()) as { access_token: string }).access_token
  const me = await fetch(`${ours.url}/users/me`, { headers: { authorization: `Bearer ${token}` } })
  const body = await me.text()
  if (me.status !== 200) throw new Error(`GET /users/me answered ${me.status}: ${body}`)

  const bare = await startServer("bare", "bench/servers/bare.ts", { BODY: body }, "/")
  const floor = await startServer(
    "floor",
    "bench/servers/floor.ts",
    { SECRET: secret, DATABASE_URL: databaseUrl },
    "/"
  )
  const floorMe = await fetch(`${floor.url}/users/me`, { headers: { authorization: `Bearer ${token}` } })
  const floorBody = await floorMe.text()
  if (floorMe.status !== 200 || JSON.stringify(JSON.parse(floorBody)) !== JSON.stringify(JSON.parse(body))) {
    throw new Error(`the floor does not answer what effect-users answers: ${floorMe.status} ${floorBody} vs ${body}`)
  }

  // BENCH_BASELINE: another checkout's example server, measured in the same rounds (before/after a change)
  const baselineDir = env.BENCH_BASELINE ?? ""
  const baseline = baselineDir === ""
    ? undefined
    : await startServer(
      "baseline",
      resolve(baselineDir, "examples/server/src/main.ts"),
      { SECRET: secret, DATABASE_URL: databaseUrl },
      "/openapi.json"
    )
  // the opt-in cached read path (P1c: USER_CACHE, invalidated through LISTEN/NOTIFY), on the same database and token
  const cached = await startServer(
    "cached",
    "examples/server/src/main.ts",
    { SECRET: secret, DATABASE_URL: databaseUrl, USER_CACHE: "1" },
    "/openapi.json"
  )
  const servers = baseline === undefined ? [bare, floor, ours, cached] : [bare, floor, ours, cached, baseline]
  const loadBefore = loadavg()[0] ?? 0
  log(`bench: warming up (${WARMUP} s each)`)
  for (const server of servers) await load(server.url, token, WARMUP)

  const samples = new Map<string, Array<Sample>>(servers.map((s) => [s.name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    const order = servers.map((_, i) => servers[(i + round) % servers.length]).filter((s) => s !== undefined)
    for (const server of order) {
      const sample = await load(server.url, token, DURATION)
      samples.get(server.name)?.push(sample)
      log(
        `  round ${round + 1} ${server.name.padEnd(13)} ${sample.rps.toFixed(0).padStart(7)} req/s  p50 ${
          sample.p50.toFixed(2)
        } ms  p99 ${sample.p99.toFixed(2)} ms${sample.errors > 0 ? `  ERRORS ${sample.errors}` : ""}`
      )
    }
  }

  const pgClient = new pg.Client({ connectionString: databaseUrl })
  await pgClient.connect()
  const pgVersion = String((await pgClient.query("SHOW server_version")).rows[0]?.server_version ?? "?")
  await pgClient.end()

  const floorRps = median((samples.get("floor") ?? []).map((s) => s.rps))
  const labels: Record<string, string> = {
    bare: "bare `node:http`, static JSON (ceiling)",
    floor: "floor: `node:http` + `node:crypto` HS256 + `pg` pool of 4, named prepared select",
    "effect-users": "**effect-users** `examples/server` (HttpApi, PostgreSQL)",
    cached: "effect-users with `USER_CACHE=1` (users cached in memory, LISTEN/NOTIFY invalidation)",
    baseline: `baseline: \`examples/server\` of ${baselineDir}`
  }
  const rows = servers.map((server) => {
    const list = samples.get(server.name) ?? []
    const rps = median(list.map((s) => s.rps))
    const errors = list.reduce((n, s) => n + s.errors, 0)
    return `| ${labels[server.name]} | ${rps.toFixed(0)} | ${median(list.map((s) => s.p50)).toFixed(2)} | ${
      median(list.map((s) => s.p99)).toFixed(2)
    } | ${(rps / floorRps).toFixed(2)} | ${list.map((s) => s.rps.toFixed(0)).join(" / ")} | ${errors} |`
  })
  const loadAfter = loadavg()[0] ?? 0
  const oursRps = median((samples.get("effect-users") ?? []).map((s) => s.rps))
  const ratioOfMedians = oursRps / floorRps
  // each round measures ours and the floor minutes apart at most: their ratio is less exposed to the machine's
  // drifting load than the ratio of the medians
  const floorSamples = samples.get("floor") ?? []
  const paired = (samples.get("effect-users") ?? []).map((s, i) => s.rps / (floorSamples[i]?.rps ?? Number.NaN))
  const ratio = median(paired)
  const cpu = cpus()
  const now = new Date()
  const table = [
    "| server | req/s (median) | p50 ms | p99 ms | × floor | req/s per round | errors |",
    "|---|---|---|---|---|---|---|",
    ...rows
  ].join("\n")
  const machine =
    `${cpu.length} × ${cpu[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, ` +
    `Node ${process.versions.node}, PostgreSQL ${pgVersion} (loopback)`
  const section = [
    `Measured ${now.toISOString().slice(0, 16).replace("T", " ")} UTC on ${machine}.`,
    "",
    `Load: ${loadgen}${loadgen === "wrk" ? " -t1" : ""} -c${CONNECTIONS}, ${DURATION} s per run after a ${WARMUP} s ` +
    `warm-up, ${ROUNDS} interleaved rounds (the order rotates each round); load generator, servers and PostgreSQL ` +
    "share the machine's cores. Medians over the rounds.",
    "",
    `Load average (1 min) of the machine: ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after.`,
    "",
    table,
    "",
    `**effect-users / floor = ${ratio.toFixed(2)}** (target ≥ 0.90): the median of the per-round ratios ` +
    `(${paired.map((r) => r.toFixed(2)).join(", ")}); the ratio of the medians is ${ratioOfMedians.toFixed(2)}.`,
    "",
    `**cached / bare = ${
      median((samples.get("cached") ?? []).map((s, i) => s.rps / (samples.get("bare")?.[i]?.rps ?? Number.NaN)))
        .toFixed(2)
    }** (target ≥ 0.50): the opt-in \`USER_CACHE\` read path against bare \`node:http\`, median of the per-round ratios.`
  ].join("\n")

  log("")
  log(table)
  log("")
  log(
    `effect-users / floor = ${ratio.toFixed(2)} (target >= 0.90; per round ${
      paired.map((r) => r.toFixed(2)).join(", ")
    }; ratio of medians ${ratioOfMedians.toFixed(2)})`
  )
  const bareSamples = samples.get("bare") ?? []
  const cachedToBare = median((samples.get("cached") ?? []).map((s, i) => s.rps / (bareSamples[i]?.rps ?? Number.NaN)))
  log(`cached / bare = ${cachedToBare.toFixed(2)} (target >= 0.50)`)
  if (baseline !== undefined) {
    const baselineSamples = samples.get("baseline") ?? []
    const baselinePaired = baselineSamples.map((s, i) => s.rps / (floorSamples[i]?.rps ?? Number.NaN))
    const versus = (samples.get("effect-users") ?? []).map((s, i) => s.rps / (baselineSamples[i]?.rps ?? Number.NaN))
    log(
      `baseline / floor = ${median(baselinePaired).toFixed(2)} (per round ${
        baselinePaired.map((r) => r.toFixed(2)).join(", ")
      }); effect-users / baseline = ${median(versus).toFixed(2)} (per round ${
        versus.map((r) => r.toFixed(2)).join(", ")
      })`
    )
  }

  if (env.BENCH_WRITE !== "0") {
    const file = join(root, "docs/benchmarks.md")
    const begin = "<!-- bench:begin (generated by `npm run bench`) -->"
    const end = "<!-- bench:end -->"
    const current = existsSync(file)
      ? readFileSync(file, "utf8")
      : `# Benchmarks\n\n## The authenticated read path: GET /users/me\n\n${begin}\n${end}\n`
    const from = current.indexOf(begin)
    const to = current.indexOf(end)
    const next = from >= 0 && to > from
      ? `${current.slice(0, from + begin.length)}\n${section}\n${current.slice(to)}`
      : `${current.trimEnd()}\n\n${begin}\n${section}\n${end}\n`
    writeFileSync(file, next)
    // the table as dprint lays it out, so that `npm run lint` stays clean after a run
    execFileSync(join(root, "node_modules/.bin/dprint"), ["fmt", file], { cwd: root, stdio: "ignore" })
    log(`bench: wrote docs/benchmarks.md`)
  }
}

const exitCode = await main().then(
  () => 0,
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    return 1
  }
)
await stopAll()
process.exit(exitCode)
