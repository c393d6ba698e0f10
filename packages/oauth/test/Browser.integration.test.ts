/**
 * One OAuth login driven by a real browser with the network closed: headless Chromium (Debian's `chromium`, installed
 * by examples/server/scripts/ensure-chromium.sh when missing), every origin but loopback sent to a dead proxy and no
 * name resolving, goes authorize → the provider's login page → its consent page → the callback of the cookie backend,
 * then reads `GET /users/me` with the cookie the callback set. Driven through the DevTools protocol with Node's own
 * WebSocket.
 */
import { Effect, ManagedRuntime } from "effect"
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as App from "./app.ts"
import * as TestProvider from "./provider.ts"

const root = resolve(import.meta.dirname, "../../..")
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Cdp {
  readonly send: (method: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>>
  readonly evaluate: <A>(expression: string) => Promise<A>
  readonly close: () => void
}

const connect = async (url: string): Promise<Cdp> => {
  const socket = new WebSocket(url)
  await new Promise<void>((ok, fail) => {
    socket.addEventListener("open", () => ok(), { once: true })
    socket.addEventListener("error", () => fail(new Error(`cannot connect to ${url}`)), { once: true })
  })
  let next = 0
  const pending = new Map<number, { ok: (v: Record<string, unknown>) => void; fail: (e: Error) => void }>()
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number
      result?: Record<string, unknown>
      error?: { message: string }
    }
    if (message.id === undefined) return
    const waiter = pending.get(message.id)
    pending.delete(message.id)
    if (message.error !== undefined) waiter?.fail(new Error(message.error.message))
    else waiter?.ok(message.result ?? {})
  })
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((ok, fail) => {
      const id = ++next
      pending.set(id, { ok, fail })
      socket.send(JSON.stringify({ id, method, params }))
    })
  const evaluate = async <A>(expression: string): Promise<A> => {
    const result = await send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true }) as {
      result?: { value?: A }
      exceptionDetails?: { text?: string }
    }
    if (result.exceptionDetails !== undefined) throw new Error(`page threw: ${result.exceptionDetails.text ?? "?"}`)
    return result.result?.value as A
  }
  return { send, evaluate, close: () => socket.close() }
}

const waitFor = async (cdp: Cdp, expression: string, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      if (await cdp.evaluate<boolean>(`Boolean(${expression})`)) return
    } catch {
      // the page is navigating
    }
    await sleep(100)
  }
  throw new Error(`timed out waiting for ${what}`)
}

const freePort = () =>
  new Promise<number>((ok, fail) => {
    const server = createServer()
    server.once("error", fail)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => ok(port))
    })
  })

describe("an OAuth login in headless Chromium with the network closed", () => {
  let provider: TestProvider.TestProvider | undefined
  let frozen: { readonly stop: () => Promise<void>; readonly url: string } | undefined
  let dispose: (() => Promise<void>) | undefined
  let chromium: ChildProcess | undefined
  let cdp: Cdp | undefined
  let profile = ""
  let base = ""

  beforeAll(async () => {
    let binary: string
    try {
      const script = join(root, "examples/server/scripts/ensure-chromium.sh")
      binary = (await promisify(execFile)("bash", [script])).stdout.trim()
    } catch (error) {
      throw new Error(
        `Chromium is missing and could not be installed: ${error instanceof Error ? error.message : error}`
      )
    }
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    provider = await TestProvider.start({ redirectUris: App.callbacks(port) })
    frozen = await TestProvider.frozen()
    const runtime = ManagedRuntime.make(App.layer({ port, issuer: provider.issuer, downIssuer: frozen.url }))
    await runtime.runPromise(Effect.void)
    dispose = () => runtime.dispose()
    profile = mkdtempSync(join(tmpdir(), "effect-users-oauth-chromium-"))
    chromium = spawn(binary, [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
      // the network is closed: every origin but loopback goes to a dead proxy, and no name resolves
      "--proxy-server=127.0.0.1:9",
      "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
      "--remote-debugging-port=0",
      "about:blank"
    ], { stdio: "ignore" })
    let devtools = ""
    const deadline = Date.now() + 30_000
    while (devtools === "" && Date.now() < deadline) {
      try {
        devtools = readFileSync(join(profile, "DevToolsActivePort"), "utf8").split("\n")[0] ?? ""
      } catch {
        await sleep(100)
      }
    }
    if (devtools === "") throw new Error("Chromium did not open its DevTools port")
    const targets = await (await fetch(`http://127.0.0.1:${devtools}/json/list`)).json() as Array<{
      type: string
      webSocketDebuggerUrl: string
    }>
    const page = targets.find((target) => target.type === "page")
    if (page === undefined) throw new Error("Chromium has no page target")
    cdp = await connect(page.webSocketDebuggerUrl)
    await cdp.send("Runtime.enable")
    await cdp.send("Page.enable")
  }, 180_000)

  afterAll(async () => {
    cdp?.close()
    if (chromium !== undefined && chromium.exitCode === null) {
      const exited = new Promise((r) => chromium?.once("exit", r))
      chromium.kill("SIGTERM")
      await Promise.race([exited, sleep(5_000)])
      if (chromium.exitCode === null) chromium.kill("SIGKILL")
    }
    await dispose?.()
    await provider?.stop()
    await frozen?.stop()
    if (profile !== "") rmSync(profile, { recursive: true, force: true })
  })

  it("authorize → provider login → consent → callback → signed in with the cookie backend", async () => {
    if (cdp === undefined || provider === undefined) throw new Error("setup failed")
    // the browser really is offline
    await cdp.send("Page.navigate", { url: `${base}/openapi.json` })
    await waitFor(cdp, `document.readyState === "complete" && location.href.endsWith("/openapi.json")`, "openapi")
    const offline = await cdp.evaluate<string>(
      `fetch("https://fonts.googleapis.com/css").then(() => "fetched", (e) => "failed: " + e)`
    )
    expect(offline).toMatch(/^failed/u)

    const started = Date.now()
    await cdp.send("Page.navigate", { url: `${base}${App.prefixes.cookie}/authorize` })
    await waitFor(cdp, `document.body && document.body.innerText.includes("authorization_url")`, "the authorize answer")
    // the front-end's part: follow `authorization_url`
    await cdp.evaluate(`location.href = JSON.parse(document.body.innerText).authorization_url; true`)
    await waitFor(cdp, `document.querySelector('input[name="login"]')`, "the provider's login form")
    await cdp.evaluate(`(() => {
      document.querySelector('input[name="login"]').value = "browser-user"
      document.querySelector('input[name="password"]').value = "any"
      document.querySelector('button[type="submit"]').click()
      return true
    })()`)
    await waitFor(cdp, `document.querySelector('input[name="prompt"][value="consent"]')`, "the consent form")
    await cdp.evaluate(`document.querySelector('button[type="submit"]').click(), true`)
    // the callback answers 204 (a browser stays on the page it navigated from), setting the auth cookie
    const signedIn = async () => {
      const jar = await cdp?.send("Network.getCookies", { urls: [base] }) as { cookies: Array<{ name: string }> }
      return jar.cookies.some((cookie) => cookie.name === "fastapiusersauth")
    }
    const deadline = Date.now() + 20_000
    while (!(await signedIn()) && Date.now() < deadline) await sleep(100)
    expect(await signedIn()).toBe(true)
    // the callback answered 204 with the auth cookie: the browser is signed in
    await cdp.send("Page.navigate", { url: `${base}/users/me` })
    await waitFor(cdp, `document.body && document.body.innerText.includes("email")`, "GET /users/me")
    const me = await cdp.evaluate<{ email: string; oauth_accounts: Array<{ account_id: string }> }>(
      `JSON.parse(document.body.innerText)`
    )
    expect(me.email).toBe("browser-user@example.com")
    expect(me.oauth_accounts.map((account) => account.account_id)).toEqual(["browser-user"])
    // the CSRF cookie was cleared by the callback (Q11); the auth cookie is HttpOnly, so neither is visible here
    const cookies = await cdp.send("Network.getCookies", { urls: [base] }) as {
      cookies: Array<{ name: string; httpOnly: boolean }>
    }
    expect(cookies.cookies.map((cookie) => cookie.name)).toContain("fastapiusersauth")
    expect(cookies.cookies.map((cookie) => cookie.name)).not.toContain("fastapiusersoauthcsrf")
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(provider.requests).toContain("/token")
  }, 90_000)
})
