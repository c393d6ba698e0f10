/**
 * Starts the two servers the black-box suite compares: FastAPI Users 15.0.5 (scripts/reference/app.py in the cached
 * virtual environment of scripts/reference/venv.sh) and effect-users' example server (examples/server/src/main.ts),
 * each on a free loopback port with the same secret and the test-only endpoints enabled.
 */
import { freePort } from "@effect-users/testing/TestServices"
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"

/** The repository root. */
export const root = resolve(import.meta.dirname, "../../../..")

/** A running server. */
export interface RunningServer {
  readonly url: string
  /** The server process's id (to read its memory). */
  readonly pid: number
  readonly output: () => string
  readonly stop: () => Promise<number | null>
}

/** A free TCP port on 127.0.0.1. */
export { freePort }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const waitReady = async (url: string, child: ChildProcess, output: () => string, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`server exited with code ${child.exitCode} before answering:\n${output()}`)
    }
    try {
      const response = await fetch(`${url}/openapi.json`, { signal: AbortSignal.timeout(5_000) })
      await response.arrayBuffer()
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  throw new Error(`server at ${url} did not answer within ${timeoutMs} ms:\n${output()}`)
}

const run = async (
  command: string,
  args: ReadonlyArray<string>,
  env: Record<string, string | undefined>,
  port: number,
  timeoutMs: number
): Promise<RunningServer> => {
  const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] })
  let log = ""
  child.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")))
  child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")))
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)))
  const url = `http://127.0.0.1:${port}`
  const output = () => log
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
    const code = await exited
    clearTimeout(timer)
    return code
  }
  try {
    await waitReady(url, child, output, timeoutMs)
  } catch (error) {
    await stop()
    throw error
  }
  return { url, pid: child.pid ?? 0, output, stop }
}

const baseEnv = (): Record<string, string | undefined> => {
  const env: Record<string, string | undefined> = { ...process.env }
  // the servers run on their embedded defaults, never on the services the other integration tests share
  delete env.DATABASE_URL
  delete env.REDIS_URL
  delete env.MONGODB_URL
  return env
}

/** Starts FastAPI Users 15.0.5 (creating its virtual environment on first use, ~10 s). */
export const startReference = async (
  secret: string,
  env: Record<string, string> = {}
): Promise<RunningServer> => {
  let python: string
  try {
    const { stdout } = await promisify(execFile)("bash", [join(root, "scripts/reference/venv.sh")], { cwd: root })
    python = stdout.trim()
  } catch (error) {
    throw new Error(`could not create the FastAPI Users virtual environment (scripts/reference/venv.sh): ${error}`)
  }
  // a test may choose the port (PORT in `env`), e.g. to register the server's URLs somewhere first
  const port = env.PORT === undefined ? await freePort() : Number(env.PORT)
  const database = join(mkdtempSync(join(tmpdir(), "effect-users-reference-")), "reference.sqlite")
  return run(
    python,
    [join(root, "scripts/reference/app.py")],
    {
      ...baseEnv(),
      PORT: String(port),
      SECRET: secret,
      EFFECT_USERS_TEST_ENDPOINTS: "1",
      DATABASE_PATH: database,
      ...env
    },
    port,
    90_000
  )
}

/** Starts effect-users' example server with the given extra environment. */
export const startExample = async (
  secret: string,
  env: Record<string, string> = {}
): Promise<RunningServer> => {
  // a test may choose the port (PORT in `env`), e.g. to register the server's URLs somewhere first
  const port = env.PORT === undefined ? await freePort() : Number(env.PORT)
  return run(
    process.execPath,
    [join(root, "examples/server/src/main.ts")],
    { ...baseEnv(), PORT: String(port), SECRET: secret, EFFECT_USERS_TEST_ENDPOINTS: "1", ...env },
    port,
    90_000
  )
}
