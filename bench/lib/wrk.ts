/**
 * The load generator: `wrk` (Debian's, installed by bench/ensure-wrk.sh) in its own process on loopback, one thread,
 * bounded in time, driven by the one script bench/lib/wrk.lua; a run answers a `Sample`.
 */
import { execFileSync } from "node:child_process"
import { join } from "node:path"
import { root } from "./config.ts"
import { run } from "./proc.ts"

/** One HTTP request, as wrk repeats it. */
export interface RequestSpec {
  readonly method?: "GET" | "POST"
  readonly path: string
  readonly headers?: Record<string, string>
  readonly body?: string
  /** A per-run prefix: `%d` in the body becomes a counter and `%s` this prefix (one new user per request). */
  readonly unique?: string
}

export interface Sample {
  readonly rps: number
  /** Latency percentiles in milliseconds. */
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly requests: number
  /** Connection, read, write errors and timeouts. */
  readonly errors: number
  /** Answers with a status ≥ 400. */
  readonly failed: number
}

export interface LoadOptions {
  readonly connections: number
  readonly seconds: number
  /** `taskset -c` for wrk itself. */
  readonly cpus?: string | undefined
  readonly timeout?: number
}

const wrk = execFileSync("bash", [join(root, "bench/ensure-wrk.sh")], {
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"]
}).trim()
if (wrk === "") throw new Error("bench: wrk is required (apt-get install wrk)")

/** Loads `baseUrl + spec.path` for `options.seconds` with `options.connections` connections. */
export const load = async (baseUrl: string, spec: RequestSpec, options: LoadOptions): Promise<Sample> => {
  const headers = Object.entries(spec.headers ?? {}).map(([name, value]) => `${name}: ${value}`).join("\n")
  const out = await run(
    wrk,
    [
      "-t1",
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      "--timeout",
      `${options.timeout ?? 10}s`,
      "-s",
      join(root, "bench/lib/wrk.lua"),
      `${baseUrl}${spec.path}`
    ],
    {
      name: "wrk",
      cpus: options.cpus,
      env: {
        BENCH_METHOD: spec.method ?? "GET",
        BENCH_HEADERS: headers,
        BENCH_BODY: spec.body ?? "",
        BENCH_UNIQUE: spec.unique ?? ""
      }
    }
  )
  const line = out.trim().split("\n").findLast((l) => l.startsWith("{"))
  if (line === undefined) throw new Error(`wrk printed no report:\n${out}`)
  const r = JSON.parse(line) as Record<string, number>
  const n = (key: string) => r[key] ?? 0
  return {
    rps: n("rps"),
    p50: n("p50") / 1000,
    p99: n("p99") / 1000,
    max: n("max") / 1000,
    requests: n("requests"),
    errors: n("connect") + n("read") + n("write") + n("timeout"),
    failed: n("status")
  }
}
