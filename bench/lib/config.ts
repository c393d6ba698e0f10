/**
 * The run's settings, from the command line (`--quick`, `--only=P1,P3`, `--no-write`) and the environment: the
 * repository root, the services' URLs (scripts/services.sh exports them), and how long each measurement runs.
 */
import { mkdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

export const root = resolve(import.meta.dirname, "../..")
const args = process.argv.slice(2)
const flag = (name: string) => args.includes(`--${name}`)
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)

/** `--quick`: one round of 2 s of everything (4–5 minutes on the shared 2 cores, most of it starting servers), for
 * checking the bench itself, not for figures. */
export const quick = flag("quick")
/** `--only=P1,P3`: the scenarios to run (all by default). */
export const only = option("only")?.split(",").map((s) => s.trim().toUpperCase())
/** `--no-write` (or BENCH_WRITE=0): print, but leave docs/benchmarks.md alone. */
export const write = !flag("no-write") && process.env.BENCH_WRITE !== "0"

export interface Timing {
  /** Interleaved rounds of every measurement. */
  readonly rounds: number
  /** Seconds of one measurement. */
  readonly seconds: number
  /** Seconds of the warm-up of each server. */
  readonly warmup: number
}

/**
 * Full: 3 rounds of 5 s (the whole suite stays under ~12 minutes on 2 cores); quick: 1 round of 2 s. BENCH_ROUNDS and
 * BENCH_DURATION override both.
 */
export const timing: Timing = {
  rounds: Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3)),
  seconds: Number(process.env.BENCH_DURATION ?? (quick ? 2 : 5)),
  warmup: quick ? 1 : 2
}

const required = (name: string) => {
  const value = process.env[name] ?? ""
  if (value === "") {
    process.stderr.write(
      `bench: ${name} is not set. Run the suite with \`npm run bench\` (it starts PostgreSQL and Redis through ` +
        "scripts/services.sh), or `bash scripts/services.sh -- node bench/run.ts`.\n"
    )
    process.exit(1)
  }
  return value
}

/** PostgreSQL (the test services' database; the bench creates its own databases beside it). */
export const databaseUrl = required("DATABASE_URL")
export const redisUrl = required("REDIS_URL")

/** A database URL on the same server, with another database name. */
export const databaseNamed = (name: string) => {
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** Where the servers' logs go (never the terminal). */
export const logDir = join(tmpdir(), `effect-users-bench-${process.pid}`)
mkdirSync(logDir, { recursive: true })

/** Cached installations (the FastAPI Users venv, Better Auth's node_modules), kept between runs. */
export const cacheDir = join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? tmpdir(), ".cache"), "effect-users")

export const cores = (await import("node:os")).availableParallelism()
