/**
 * Inputs meant to break the server, sent to the example server as a separate process (its embedded default): huge
 * passwords and bodies (with and without a declared length, JSON and multipart, several at once), a deeply nested
 * body, and an over-long password. Each gets its documented answer (413, 422), nothing answers 500, other requests
 * keep being answered meanwhile, and the server's memory stays bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { request as httpRequest } from "node:http"
import type { RunningServer } from "./blackbox/Servers.ts"
import { startExample } from "./blackbox/Servers.ts"

const MiB = 1024 * 1024

/** The resident memory of a process, in bytes. */
const rss = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:")) ?? ""
  return Number(/(\d+)/u.exec(line)?.[1] ?? 0) * 1024
}

interface Answer {
  readonly status: number
  readonly body: string
  /** How many bytes were written before the server answered. */
  readonly sent: number
}

/**
 * Streams a body of `total` bytes (`head`, then filler, then `tail`), chunked unless `declareLength`, stopping as
 * soon as the server answers.
 */
const stream = (
  url: string,
  path: string,
  options: {
    readonly contentType: string
    readonly total: number
    readonly head: string
    readonly tail: string
    readonly filler: string
    readonly declareLength?: boolean
  }
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url)
    const headers: Record<string, string | number> = { "content-type": options.contentType }
    if (options.declareLength === true) headers["content-length"] = options.total
    let sent = 0
    let answered = false
    const req = httpRequest({ hostname, port, path, method: "POST", headers }, (res) => {
      answered = true
      let body = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => (body += chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, sent }))
      res.on("error", reject)
    })
    // the server may close the connection once it has answered: that is not a failure of the test
    req.on("error", (error) => (answered ? undefined : reject(error)))
    const chunk = Buffer.from(options.filler.repeat(Math.ceil((64 * 1024) / options.filler.length)).slice(0, 64 * 1024))
    const fillerBytes = options.total - options.head.length - options.tail.length
    req.write(options.head)
    sent += options.head.length
    const pump = () => {
      while (!answered && sent < options.head.length + fillerBytes) {
        const size = Math.min(chunk.length, options.head.length + fillerBytes - sent)
        sent += size
        if (!req.write(size === chunk.length ? chunk : chunk.subarray(0, size))) return void req.once("drain", pump)
      }
      if (!answered) req.end(options.tail)
    }
    pump()
  })

const json = async (url: string, path: string, body: string, token?: string) => {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` })
    },
    body
  })
  return { status: response.status, text: await response.text() }
}

describe("abuse: inputs that must not break the server", () => {
  let server: RunningServer | undefined
  let token = ""
  const url = () => server?.url ?? ""

  /** `GET /users/me` answers 200 within `ms`. */
  const meAnswers = async (ms: number) => {
    const started = performance.now()
    const response = await fetch(`${url()}/users/me`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000)
    })
    await response.text()
    expect(response.status).toBe(200)
    expect(performance.now() - started).toBeLessThan(ms)
  }

  beforeAll(async () => {
    server = await startExample("abuse-suite-secret-with-32-or-more-bytes")
    const registered = await json(
      url(),
      "/auth/register",
      JSON.stringify({ email: "abuse@example.com", password: "abc" })
    )
    expect(registered.status).toBe(201)
    const login = await fetch(`${url()}/auth/jwt/login`, {
      method: "POST",
      body: new URLSearchParams({ username: "abuse@example.com", password: "abc" })
    })
    token = ((await login.json()) as { readonly access_token: string }).access_token
  }, 120_000)

  afterAll(async () => {
    await server?.stop()
  })

  it("a 100 MB password is a 413 after reading at most the limit, and the server keeps answering", async () => {
    const before = rss(server?.pid ?? 0)
    const answer = await stream(url(), "/auth/register", {
      contentType: "application/json",
      total: 100 * MiB,
      head: "{\"email\":\"big@example.com\",\"password\":\"",
      tail: "\"}",
      filler: "x"
    })
    expect(answer.status).toBe(413)
    expect(JSON.parse(answer.body)).toStrictEqual({ detail: "Request body too large" })
    await meAnswers(2_000)
    expect(rss(server?.pid ?? 0) - before).toBeLessThan(64 * MiB)
  }, 60_000)

  it("a declared 200 MB body is refused before it is read", async () => {
    const answer = await stream(url(), "/auth/forgot-password", {
      contentType: "application/json",
      total: 200 * MiB,
      head: "{\"email\":\"",
      tail: "\"}",
      filler: "a",
      declareLength: true
    })
    expect(answer.status).toBe(413)
    expect(answer.sent).toBeLessThan(200 * MiB)
  }, 60_000)

  it("three 200 MB bodies at once, and a 200 MB multipart login: 413 each, memory bounded", async () => {
    const before = rss(server?.pid ?? 0)
    const boundary = "----abuse"
    const answers = await Promise.all([
      ...[1, 2, 3].map(() =>
        stream(url(), "/auth/register", {
          contentType: "application/json",
          total: 200 * MiB,
          head: "{\"email\":\"x@example.com\",\"password\":\"",
          tail: "\"}",
          filler: "y"
        })
      ),
      stream(url(), "/auth/jwt/login", {
        contentType: `multipart/form-data; boundary=${boundary}`,
        total: 200 * MiB,
        head: `--${boundary}\r\ncontent-disposition: form-data; name="username"\r\n\r\nabuse@example.com\r\n` +
          `--${boundary}\r\ncontent-disposition: form-data; name="password"\r\n\r\n`,
        tail: `\r\n--${boundary}--\r\n`,
        filler: "z"
      }),
      meAnswers(5_000).then(() => ({ status: 200, body: "", sent: 0 }))
    ])
    expect(answers.map((a) => a.status)).toStrictEqual([413, 413, 413, 413, 200])
    for (const answer of answers.slice(0, 4)) expect(answer.sent).toBeLessThan(200 * MiB)
    expect(rss(server?.pid ?? 0) - before).toBeLessThan(96 * MiB)
  }, 120_000)

  it("a body nested 5,000 levels deep is a 422 that does not echo it, on every kind of route", async () => {
    const deep = `{"email":"deep@example.com","password":"abc","x":${"[".repeat(5000)}${"]".repeat(5000)}}`
    for (const path of ["/auth/register", "/auth/verify", "/users/me"]) {
      const reply = path === "/users/me"
        ? await fetch(`${url()}${path}`, {
          method: "PATCH",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: deep
        }).then(async (r) => ({ status: r.status, text: await r.text() }))
        : await json(url(), path, deep)
      expect(reply.status, `${path}: ${reply.text.slice(0, 200)}`).toBe(422)
      const detail = (JSON.parse(reply.text) as { readonly detail: ReadonlyArray<{ readonly type: string }> }).detail
      expect(detail[0].type).toBe("json_invalid")
      expect(reply.text.length).toBeLessThan(500)
    }
    // a nested value within the limit is validated as usual (and its 422 echoes it)
    const shallow = await json(url(), "/auth/register", JSON.stringify({ email: [[[["a"]]]], password: "abc" }))
    expect(shallow.status).toBe(422)
    await meAnswers(2_000)
  }, 60_000)

  it("a password over 4096 characters is a 422 before any hashing; at the login, bad credentials", async () => {
    const long = "p".repeat(4097)
    const register = await json(url(), "/auth/register", JSON.stringify({ email: "long@example.com", password: long }))
    expect(register.status).toBe(422)
    const item = (JSON.parse(register.text) as { readonly detail: ReadonlyArray<Record<string, unknown>> }).detail[0]
    expect([item["type"], item["loc"], item["ctx"]]).toStrictEqual([
      "string_too_long",
      ["body", "password"],
      { max_length: 4096 }
    ])
    const login = await fetch(`${url()}/auth/jwt/login`, {
      method: "POST",
      body: new URLSearchParams({ username: "abuse@example.com", password: long })
    })
    expect([login.status, await login.json()]).toStrictEqual([400, { detail: "LOGIN_BAD_CREDENTIALS" }])
    const exact = await json(
      url(),
      "/auth/register",
      JSON.stringify({ email: "exact@example.com", password: long.slice(1) })
    )
    expect(exact.status).toBe(201)
  }, 60_000)

  it("nothing of the above was answered with a 500 or logged as an unexpected failure", () => {
    expect(server?.output() ?? "").not.toContain("unexpected failure")
  })
})
