/**
 * Real e-mail through the example server: an SMTP server started here (smtp-server, messages parsed with mailparser)
 * receives the verification and reset-password messages, and the test follows each message's link to a stand-in
 * front end, which completes the verification and the reset through the server's API. Also production mode: what it
 * requires, and that it never prints a token.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type ParsedMail, simpleParser } from "mailparser"
import { spawn } from "node:child_process"
import { createServer, type Server } from "node:http"
import { join } from "node:path"
import { SMTPServer } from "smtp-server"
import { freePort, root, type RunningServer, startExample } from "./blackbox/Servers.ts"

const received: Array<{ readonly to: ReadonlyArray<string>; readonly parsed: ParsedMail }> = []
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onData: (stream, session, callback) => {
    const to = session.envelope.rcptTo.map((address) => address.address)
    simpleParser(stream).then((parsed) => {
      received.push({ to, parsed })
      callback()
    }, callback)
  }
})

/** The new password the stand-in front end's reset form "submits". */
const NEW_PASSWORD = "chosen-in-the-front-end"

let api: RunningServer
let frontend: Server
let frontendUrl = ""
let smtpPort = 0

const listen = (server: { listen: (port: number, host: string, cb: () => void) => unknown }, port: number) =>
  new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve))

beforeAll(async () => {
  smtpPort = await freePort()
  await listen(smtp, smtpPort)
  // the front end: its pages read the token from the link and post it to the API, as an application's would
  frontend = createServer((request, response) => {
    const url = new URL(request.url ?? "/", frontendUrl)
    const token = url.searchParams.get("token") ?? ""
    const [path, body] = url.pathname === "/verify"
      ? ["/auth/verify", { token }]
      : ["/auth/reset-password", { token, password: NEW_PASSWORD }]
    fetch(`${api.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body)
    }).then(async (answer) => {
      response.writeHead(answer.status, { "content-type": "application/json" })
      response.end(await answer.text())
    }, (error: unknown) => {
      response.writeHead(502)
      response.end(String(error))
    })
  })
  const port = await freePort()
  frontendUrl = `http://127.0.0.1:${port}`
  await listen(frontend, port)
  api = await startExample("smtp-round-trip-secret-with-32-or-more-bytes", {
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    MAIL_FROM: "Example <no-reply@example.com>",
    FRONTEND_URL: frontendUrl,
    EFFECT_USERS_TEST_ENDPOINTS: "false"
  })
}, 120_000)

afterAll(async () => {
  await api?.stop()
  await new Promise((resolve) => frontend?.close(resolve))
  await new Promise((resolve) => smtp.close(() => resolve(undefined)))
})

const post = (path: string, body: unknown) =>
  fetch(`${api.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body)
  })

const login = (username: string, password: string) =>
  fetch(`${api.url}/auth/jwt/login`, { method: "POST", body: new URLSearchParams({ username, password }) })

/** The message to `to` whose subject is `subject`, once it has arrived. */
const waitForMessage = async (to: string, subject: string) => {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    const found = received.find((m) => m.to.includes(to) && m.parsed.subject === subject)
    if (found !== undefined) return found.parsed
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`no message "${subject}" to ${to}; received: ${JSON.stringify(received.map((m) => m.to))}`)
}

/** The link of the HTML part (its `href`, HTML-escaped there: `&amp;`), checked against the text part's. */
const linkOf = (message: ParsedMail): string => {
  const html = String(message.html)
  const href = /href="([^"]+)"/.exec(html)?.[1]
  expect(href, html).toBeDefined()
  const link = (href ?? "").replaceAll("&quot;", "\"").replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll(
    "&#39;",
    "'"
  ).replaceAll("&amp;", "&")
  expect(message.text ?? "").toContain(link)
  expect(link.startsWith(`${frontendUrl}/`), link).toBe(true)
  return link
}

describe("examples/server with SMTP_URL: the delivered links complete a verification and a reset", () => {
  it("register → verification mail → its link verifies; forgot → reset mail → its link resets", async () => {
    const email = `smtp-${Date.now()}@example.com`
    expect((await post("/auth/register", { email, password: "first-password" })).status).toBe(201)
    const first = await login(email, "first-password")
    expect(first.status).toBe(200)
    const { access_token } = (await first.json()) as { access_token: string }

    const answer = await post("/auth/request-verify-token", { email })
    expect(answer.status).toBe(202)
    const verifyMail = await waitForMessage(email, "Confirm your e-mail address")
    expect(verifyMail.from?.value[0]?.address).toBe("no-reply@example.com")
    const verified = await fetch(linkOf(verifyMail))
    expect(verified.status, await verified.clone().text()).toBe(200)
    expect(((await verified.json()) as { is_verified: boolean }).is_verified).toBe(true)
    const me = await fetch(`${api.url}/users/me`, { headers: { authorization: `Bearer ${access_token}` } })
    expect(((await me.json()) as { is_verified: boolean }).is_verified).toBe(true)

    expect((await post("/auth/forgot-password", { email })).status).toBe(202)
    const resetMail = await waitForMessage(email, "Reset your password")
    const reset = await fetch(linkOf(resetMail))
    expect(reset.status, await reset.clone().text()).toBe(200)
    expect((await login(email, NEW_PASSWORD)).status).toBe(200)
    expect((await login(email, "first-password")).status).toBe(400)
    // the link is single-use
    expect((await fetch(linkOf(resetMail))).status).toBe(400)
    // no token in the server's output: the console mailer is off
    expect(api.output()).not.toContain(new URL(linkOf(resetMail)).searchParams.get("token") ?? "-")
  }, 60_000)
})

/** Runs the server with `env` (and nothing of the test services), until it exits or announces itself. */
const runUntilReady = async (env: Record<string, string>) => {
  const base: Record<string, string | undefined> = { ...process.env }
  for (const key of ["DATABASE_URL", "REDIS_URL", "MONGODB_URL", "SECRET", "EFFECT_USERS_TEST_ENDPOINTS"]) {
    delete base[key]
  }
  const port = await freePort()
  const child = spawn(process.execPath, [join(root, "examples/server/src/main.ts")], {
    cwd: root,
    env: { ...base, PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const deadline = Date.now() + 90_000
  while (!output.includes("listening on") && child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100))
  }
  return { child, exited, output: () => output, url: `http://127.0.0.1:${port}` }
}

describe("examples/server with NODE_ENV=production", () => {
  it(
    "refuses to start without SECRET, SMTP_URL and FRONTEND_URL, naming each, and with the test endpoints",
    async () => {
      const run = await runUntilReady({ NODE_ENV: "production", EFFECT_USERS_TEST_ENDPOINTS: "1" })
      expect(await run.exited, run.output()).toBe(1)
      for (const name of ["SECRET is required", "SMTP_URL is required", "FRONTEND_URL is required"]) {
        expect(run.output()).toContain(name)
      }
      expect(run.output()).toContain("EFFECT_USERS_TEST_ENDPOINTS must not be set")
      expect(run.output()).not.toContain("listening on")
    },
    120_000
  )

  it("starts with them, mails through SMTP and prints no token", async () => {
    const run = await runUntilReady({
      NODE_ENV: "production",
      SECRET: "production-secret-with-32-or-more-bytes",
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      FRONTEND_URL: frontendUrl
    })
    try {
      expect(run.output()).toContain("listening on")
      const email = `production-${Date.now()}@example.com`
      const register = await fetch(`${run.url}/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "password" })
      })
      expect(register.status).toBe(201)
      const forgot = await fetch(`${run.url}/auth/forgot-password`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email })
      })
      expect(forgot.status).toBe(202)
      const mail = await waitForMessage(email, "Reset your password")
      const token = new URL(linkOf(mail)).searchParams.get("token") ?? ""
      expect(token.length).toBeGreaterThan(20)
      expect(run.output()).not.toContain(token)
      expect(run.output()).not.toContain("[mailer]")
    } finally {
      run.child.kill("SIGTERM")
      expect(await run.exited).toBe(0)
    }
  }, 120_000)
})
