/**
 * `npm start`'s entry point: it prints its URL and docs page, serves, and on SIGTERM or SIGINT drains (the requests in
 * flight finish, within SHUTDOWN_TIMEOUT), closes everything and exits 0, leaving no process behind.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { request } from "node:http"
import { join } from "node:path"
import { freePort, root } from "./blackbox/Servers.ts"

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const start = async (extra: Record<string, string> = {}) => {
  const port = await freePort()
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(port),
    SECRET: "lifecycle-secret-with-32-or-more-bytes",
    ...extra
  }
  delete env.DATABASE_URL
  delete env.REDIS_URL
  const child = spawn(process.execPath, [join(root, "examples/server/src/main.ts")], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, sig) => resolve({ code, signal: sig }))
  )
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 90_000
  // both lines of the announcement, which may arrive in two chunks
  while (!output.includes(`docs: ${url}/docs`) && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 100))
  }
  expect(output).toContain(`effect-users example server listening on ${url}`)
  expect(output).toContain(`docs: ${url}/docs`)
  return { child, exited, url, port, output: () => output }
}

const startAndStop = async (signal: "SIGTERM" | "SIGINT") => {
  const { child, exited, output, url } = await start()
  const me = await fetch(`${url}/users/me`)
  expect(me.status).toBe(401)
  expect(await me.json()).toStrictEqual({ detail: "Unauthorized" })
  const pid = child.pid ?? -1
  child.kill(signal)
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
  const exit = await exited
  clearTimeout(timer)
  return { exit, pid, url, output: output() }
}

/** A login whose body arrives in two halves, `gap` apart: in flight for that long, once its headers are sent. */
const slowLogin = (port: number, username: string, password: string) => {
  const body = new URLSearchParams({ username, password }).toString()
  const half = Math.floor(body.length / 2)
  let finish = (): void => {}
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/auth/jwt/login",
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(body.length) }
    }, (response) => {
      let text = ""
      response.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }))
      response.on("error", reject)
    })
    req.on("error", reject)
    req.write(body.slice(0, half))
    finish = () => void req.end(body.slice(half))
  })
  return { answered, finish: () => finish() }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const groupAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

describe("npm start (examples/server/src/main.ts)", () => {
  it("`npm start` serves, and SIGTERM to npm leaves no process of its group behind", async () => {
    const port = await freePort()
    const env: Record<string, string | undefined> = {
      ...process.env,
      PORT: String(port),
      SECRET: "npm-start-secret-with-32-or-more-bytes"
    }
    delete env.DATABASE_URL
    delete env.REDIS_URL
    // in its own process group, so that every descendant (npm, the shell it runs, node) can be found afterwards
    const child = spawn("npm", ["start", "--silent"], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true
    })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
    const pgid = child.pid ?? -1
    try {
      const url = `http://127.0.0.1:${port}`
      const deadline = Date.now() + 90_000
      // both lines of the announcement, which may arrive in two chunks
      while (!output.includes(`docs: ${url}/docs`) && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(output).toContain(`effect-users example server listening on ${url}`)
      expect((await fetch(`${url}/openapi.json`)).status).toBe(200)
      child.kill("SIGTERM")
      const code = await Promise.race([exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 20_000))])
      expect(code, output).not.toBe("hung")
      // every process of the group (npm, the shell npm ran, node) is gone
      const gone = Date.now() + 5_000
      while (groupAlive(pgid) && Date.now() < gone) await new Promise((r) => setTimeout(r, 100))
      expect(groupAlive(pgid)).toBe(false)
    } finally {
      if (groupAlive(pgid)) process.kill(-pgid, "SIGKILL")
    }
  }, 120_000)

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`prints its URL, serves, and exits cleanly on ${signal}`, async () => {
      const { exit, output, pid, url } = await startAndStop(signal)
      // a stop asked for is a success (0, not runMain's default 130) once every finalizer ran; never SIGKILLed
      expect(exit, output).toStrictEqual({ code: 0, signal: null })
      expect(alive(pid)).toBe(false)
      await expect(fetch(url, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow()
    }, 120_000)
  }

  it(
    "SIGTERM during a login: the request in flight finishes with 200, new connections are refused, exit 0",
    async () => {
      const { child, exited, output, port, url } = await start()
      const email = `drain-${Date.now()}@example.com`
      const register = await fetch(`${url}/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "drain-password" })
      })
      expect(register.status).toBe(201)
      const login = slowLogin(port, email, "drain-password")
      await sleep(300)
      child.kill("SIGTERM")
      await sleep(700)
      // the listening socket is closed: a new request cannot start
      await expect(fetch(`${url}/openapi.json`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow()
      login.finish()
      const answer = await login.answered
      expect(answer.status, answer.body).toBe(200)
      expect(JSON.parse(answer.body)).toMatchObject({ token_type: "bearer" })
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
      const exit = await exited
      clearTimeout(timer)
      expect(exit, output()).toStrictEqual({ code: 0, signal: null })
    },
    120_000
  )

  it(
    "the drain is bounded: a request that never completes is cut after SHUTDOWN_TIMEOUT, and the exit is 0",
    async () => {
      const { child, exited, output, port } = await start({ SHUTDOWN_TIMEOUT: "1 second" })
      const stalled = slowLogin(port, "nobody@example.com", "never-finished")
      const cut = stalled.answered.then(() => "answered", () => "cut")
      await sleep(300)
      const signalled = Date.now()
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
      const exit = await exited
      clearTimeout(timer)
      const took = Date.now() - signalled
      expect(exit, output()).toStrictEqual({ code: 0, signal: null })
      expect(await cut).toBe("cut")
      expect(took, output()).toBeLessThan(8_000)
      expect(took).toBeGreaterThanOrEqual(900)
    },
    120_000
  )
})
