/**
 * `npm start`'s entry point: it prints its URL and docs page, serves, and on SIGTERM or SIGINT closes everything and
 * exits, leaving no process behind.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
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

const startAndStop = async (signal: "SIGTERM" | "SIGINT") => {
  const port = await freePort()
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(port),
    SECRET: "lifecycle-secret-with-32-or-more-bytes"
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
  const me = await fetch(`${url}/users/me`)
  expect(me.status).toBe(401)
  expect(await me.json()).toStrictEqual({ detail: "Unauthorized" })
  const pid = child.pid ?? -1
  child.kill(signal)
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
  const exit = await exited
  clearTimeout(timer)
  return { exit, pid, url, output }
}

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
      // NodeRuntime.runMain interrupts the program and exits with 130 once every finalizer ran; never SIGKILLed
      expect(exit, output).toStrictEqual({ code: 130, signal: null })
      expect(alive(pid)).toBe(false)
      await expect(fetch(url, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow()
    }, 120_000)
  }
})
