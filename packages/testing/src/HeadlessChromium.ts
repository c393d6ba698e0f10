/**
 * Headless Chromium for end-to-end tests, driven by `playwright-core`, with the network closed to everything but
 * loopback: Debian's `chromium` (installed by `scripts/ensure-chromium.sh` when missing, or the test fails naming
 * what is missing), every origin but 127.0.0.1 sent to a dead proxy, no host name resolving, and every request the
 * page makes to another host aborted and recorded.
 *
 * @since 0.1.0
 */
import { execFile } from "node:child_process"
import { join } from "node:path"
import { promisify } from "node:util"
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core"

/** A browser with one context and one page, closed by `close`. */
export interface HeadlessChromium {
  readonly browser: Browser
  readonly context: BrowserContext
  readonly page: Page
  /** The URLs of requests to anything but loopback, which were aborted. */
  readonly blocked: Array<string>
  readonly close: () => Promise<void>
}

const ensureScript = join(import.meta.dirname, "../scripts/ensure-chromium.sh")

/** The path of a Chromium binary, installing Debian's `chromium` when none is found; rejects naming what is missing. */
export const ensureChromium = async (): Promise<string> => {
  try {
    const { stdout } = await promisify(execFile)("bash", [ensureScript])
    return stdout.trim()
  } catch (error) {
    const stderr = typeof error === "object" && error !== null && "stderr" in error ? String(error.stderr) : ""
    throw new Error(`Chromium is missing and could not be installed (${ensureScript}): ${stderr.trim() || error}`)
  }
}

const isLoopback = (url: string): boolean => {
  try {
    const { protocol, hostname } = new URL(url)
    if (protocol === "data:" || protocol === "about:" || protocol === "blob:") return true
    return hostname === "127.0.0.1" || hostname === "[::1]" || hostname === "localhost"
  } catch {
    return false
  }
}

/** Launches headless Chromium with the network closed to everything but loopback. */
export const launch = async (): Promise<HeadlessChromium> => {
  const executablePath = await ensureChromium()
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // the network is closed: every origin but loopback goes to a dead proxy, and no name resolves
      "--proxy-server=127.0.0.1:9",
      "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
    ]
  })
  const context = await browser.newContext()
  const blocked: Array<string> = []
  await context.route(
    (url) => !isLoopback(url.href),
    (route) => {
      blocked.push(route.request().url())
      return route.abort("internetdisconnected")
    }
  )
  const page = await context.newPage()
  return { browser, context, page, blocked, close: () => browser.close() }
}
