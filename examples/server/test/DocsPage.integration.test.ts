/**
 * The docs page works with the network closed: headless Chromium, whose every request but those to the server's
 * own loopback origin goes to a dead proxy and whose DNS resolves nothing, loads `/docs`, renders every operation,
 * authorizes through the OAuth2 password flow (`/auth/jwt/login`) and calls `GET /users/me` from the page.
 *
 * Chromium comes from `scripts/ensure-chromium.sh` (Debian's `chromium`, installed with apt-get when missing);
 * the test fails naming what is missing otherwise. It is driven through the DevTools protocol with Node's own
 * WebSocket: no Playwright.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import type { RunningServer } from "./blackbox/Servers.ts"
import { root, startExample } from "./blackbox/Servers.ts"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A minimal DevTools-protocol session on one page. */
interface Cdp {
  readonly send: (method: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>>
  /** Evaluates an expression in the page (promises awaited) and returns its JSON value. */
  readonly evaluate: <A>(expression: string) => Promise<A>
  readonly close: () => void
}

const connect = async (webSocketUrl: string): Promise<Cdp> => {
  const socket = new WebSocket(webSocketUrl)
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true })
    socket.addEventListener("error", () => reject(new Error(`cannot connect to ${webSocketUrl}`)), { once: true })
  })
  let next = 0
  const pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>()
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number
      result?: Record<string, unknown>
      error?: { message: string }
    }
    if (message.id === undefined) return
    const waiter = pending.get(message.id)
    pending.delete(message.id)
    if (message.error !== undefined) waiter?.reject(new Error(message.error.message))
    else waiter?.resolve(message.result ?? {})
  })
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = ++next
      pending.set(id, { resolve, reject })
      socket.send(JSON.stringify({ id, method, params }))
    })
  const evaluate = async <A>(expression: string): Promise<A> => {
    const result = await send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true }) as {
      result?: { value?: unknown }
      exceptionDetails?: { text?: string; exception?: { description?: string } }
    }
    if (result.exceptionDetails !== undefined) {
      throw new Error(
        `page threw: ${result.exceptionDetails.exception?.description ?? result.exceptionDetails.text ?? "?"}`
      )
    }
    return result.result?.value as A
  }
  return { send, evaluate, close: () => socket.close() }
}

/** Polls `expression` in the page until it is truthy. */
const waitFor = async (cdp: Cdp, expression: string, what: string, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await cdp.evaluate<boolean>(`Boolean(${expression})`)) return
    await sleep(100)
  }
  throw new Error(`timed out waiting for ${what}`)
}

// Helpers injected into the page: React-controlled inputs need the native setter and an input event.
const PAGE_HELPERS = `
  window.__fill = (selector, value) => {
    const input = document.querySelector(selector)
    if (!input) throw new Error("no " + selector)
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(input, value)
    input.dispatchEvent(new Event("input", { bubbles: true }))
    input.dispatchEvent(new Event("change", { bubbles: true }))
  }
  window.__click = (selector, root = document) => {
    const element = root.querySelector(selector)
    if (!element) throw new Error("no " + selector)
    element.click()
  }
  true
`

describe("the docs page with the network closed (headless Chromium)", () => {
  let server: RunningServer | undefined
  let chromium: ChildProcess | undefined
  let profile = ""
  let cdp: Cdp | undefined

  beforeAll(async () => {
    let binary: string
    try {
      const { stdout } = await promisify(execFile)("bash", [join(root, "examples/server/scripts/ensure-chromium.sh")])
      binary = stdout.trim()
    } catch (error) {
      throw new Error(
        `Chromium is missing and could not be installed (examples/server/scripts/ensure-chromium.sh): ${
          error instanceof Error ? error.message : String(error)
        }`
      )
    }
    server = await startExample("docs-page-secret-with-32-or-more-bytes")
    profile = mkdtempSync(join(tmpdir(), "effect-users-chromium-"))
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
    let port = ""
    const deadline = Date.now() + 30_000
    while (port === "" && Date.now() < deadline) {
      try {
        port = readFileSync(join(profile, "DevToolsActivePort"), "utf8").split("\n")[0] ?? ""
      } catch {
        await sleep(100)
      }
    }
    if (port === "") throw new Error("Chromium did not open its DevTools port")
    const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as Array<{
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
    await server?.stop()
    if (profile !== "") rmSync(profile, { recursive: true, force: true })
  })

  it("the browser really is offline: an external origin cannot be fetched", async () => {
    if (cdp === undefined || server === undefined) throw new Error("setup failed")
    await cdp.send("Page.navigate", { url: `${server.url}/openapi.json` })
    await waitFor(cdp, `document.readyState === "complete" && location.href.endsWith("/openapi.json")`, "openapi")
    const outcome = await cdp.evaluate<string>(
      `fetch("https://unpkg.com/swagger-ui-dist/swagger-ui.css").then(() => "fetched", (e) => "failed: " + e)`
    )
    expect(outcome).toMatch(/^failed/u)
  }, 60_000)

  it("renders every operation, authorizes with the password flow and calls GET /users/me", async () => {
    if (cdp === undefined || server === undefined) throw new Error("setup failed")
    const email = `docs.${Date.now()}@camelot.bt`
    const registered = await fetch(`${server.url}/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "guinevere" })
    })
    expect(registered.status).toBe(201)

    await cdp.send("Page.navigate", { url: `${server.url}/docs` })
    await waitFor(cdp, `document.querySelectorAll(".opblock").length > 0`, "the operations to render", 60_000)
    const paths = await cdp.evaluate<Array<string>>(
      `[...document.querySelectorAll(".opblock-summary-path")].map((e) => e.getAttribute("data-path"))`
    )
    for (
      const path of [
        "/auth/jwt/login",
        "/auth/jwt/logout",
        "/auth/cookie/login",
        "/auth/cookie/logout",
        "/auth/register",
        "/auth/request-verify-token",
        "/auth/verify",
        "/auth/forgot-password",
        "/auth/reset-password",
        "/users/me",
        "/users/{id}",
        "/protected"
      ]
    ) {
      expect(paths).toContain(path)
    }
    expect(paths.length).toBeGreaterThanOrEqual(17)

    await cdp.evaluate(PAGE_HELPERS)
    // Authorize: the password flow of the bearer backend
    await cdp.evaluate(`__click(".auth-wrapper .btn.authorize")`)
    await waitFor(cdp, `document.querySelector(".dialog-ux #oauth_username")`, "the authorization dialog")
    await cdp.evaluate(`__fill(".dialog-ux #oauth_username", ${JSON.stringify(email)})`)
    await cdp.evaluate(`__fill(".dialog-ux #oauth_password", "guinevere")`)
    await cdp.evaluate(`
      (() => {
        const form = document.querySelector(".dialog-ux #oauth_username").closest("form") ??
          document.querySelector(".dialog-ux #oauth_username").closest(".auth-container")
        __click(".btn.modal-btn.auth.authorize", form)
        return true
      })()
    `)
    await waitFor(
      cdp,
      `[...document.querySelectorAll(".dialog-ux .auth-container")].some((c) => c.textContent.includes("Logout"))`,
      "the password flow to authorize"
    )
    await cdp.evaluate(`__click(".dialog-ux .btn-done")`)
    await waitFor(cdp, `!document.querySelector(".dialog-ux")`, "the dialog to close")

    // GET /users/me: expand, try it out, execute
    const operation = `[...document.querySelectorAll(".opblock.opblock-get")].find((o) =>
      o.querySelector(".opblock-summary-path")?.getAttribute("data-path") === "/users/me")`
    await cdp.evaluate(`${operation}.querySelector(".opblock-summary-control").click(); true`)
    await waitFor(cdp, `${operation}.querySelector(".try-out__btn")`, "the try-it-out button")
    await cdp.evaluate(`${operation}.querySelector(".try-out__btn").click(); true`)
    await waitFor(cdp, `${operation}.querySelector(".btn.execute")`, "the execute button")
    await cdp.evaluate(`${operation}.querySelector(".btn.execute").click(); true`)
    const row = `${operation}.querySelector(".live-responses-table tbody tr.response")`
    await waitFor(cdp, row, "the response")
    const status = await cdp.evaluate<string>(`${row}.querySelector(".response-col_status").textContent.trim()`)
    const body = await cdp.evaluate<string>(`${row}.querySelector(".response-col_description pre").textContent`)
    expect(status).toBe("200")
    expect(JSON.parse(body)).toMatchObject({ email, is_active: true })
  }, 120_000)
})
