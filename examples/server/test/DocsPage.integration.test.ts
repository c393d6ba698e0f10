/**
 * The docs page works with the network closed: headless Chromium (playwright-core on Debian's `chromium`, see
 * `@effect-users/testing/HeadlessChromium`), whose every request but those to loopback is aborted and whose DNS
 * resolves nothing, loads `/docs`, renders every operation, authorizes through the OAuth2 password flow
 * (`/auth/jwt/login`) and calls `GET /users/me` from the page.
 */
import * as HeadlessChromium from "@effect-users/testing/HeadlessChromium"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type { RunningServer } from "./blackbox/Servers.ts"
import { startExample } from "./blackbox/Servers.ts"

describe("the docs page with the network closed (headless Chromium)", () => {
  let server: RunningServer | undefined
  let browser: HeadlessChromium.HeadlessChromium | undefined

  beforeAll(async () => {
    browser = await HeadlessChromium.launch()
    server = await startExample("docs-page-secret-with-32-or-more-bytes")
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it("the browser really is offline: an external origin cannot be fetched", async () => {
    if (browser === undefined || server === undefined) throw new Error("setup failed")
    const { page } = browser
    await page.goto(`${server.url}/openapi.json`)
    const outcome = await page.evaluate(() =>
      fetch("https://unpkg.com/swagger-ui-dist/swagger-ui.css").then(
        () => "fetched",
        (e: unknown) => `failed: ${String(e)}`
      )
    )
    expect(outcome).toMatch(/^failed/u)
    expect(browser.blocked).toContain("https://unpkg.com/swagger-ui-dist/swagger-ui.css")
  }, 60_000)

  it("renders every operation, authorizes with the password flow and calls GET /users/me", async () => {
    if (browser === undefined || server === undefined) throw new Error("setup failed")
    const { page } = browser
    const email = `docs.${Date.now()}@camelot.bt`
    const registered = await fetch(`${server.url}/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "guinevere" })
    })
    expect(registered.status).toBe(201)

    await page.goto(`${server.url}/docs`)
    await page.waitForSelector(".opblock", { timeout: 60_000 })
    const paths = await page.$$eval(
      ".opblock-summary-path",
      (elements) => elements.map((e) => e.getAttribute("data-path"))
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

    // Authorize: the password flow of the bearer backend
    await page.click(".auth-wrapper .btn.authorize")
    await page.fill(".dialog-ux #oauth_username", email)
    await page.fill(".dialog-ux #oauth_password", "guinevere")
    await page.locator(".dialog-ux .auth-container").filter({ has: page.locator("#oauth_username") })
      .locator(".btn.modal-btn.auth.authorize").click()
    await page.locator(".dialog-ux .auth-container", { hasText: "Logout" }).first().waitFor()
    await page.click(".dialog-ux .btn-done")
    await page.locator(".dialog-ux").waitFor({ state: "detached" })

    // GET /users/me: expand, try it out, execute
    const operation = page.locator(".opblock.opblock-get").filter({
      has: page.locator(".opblock-summary-path[data-path=\"/users/me\"]")
    })
    await operation.locator(".opblock-summary-control").click()
    await operation.locator(".try-out__btn").click()
    await operation.locator(".btn.execute").click()
    const row = operation.locator(".live-responses-table tbody tr.response")
    await row.waitFor()
    const status = (await row.locator(".response-col_status").textContent())?.trim()
    const body = await row.locator(".response-col_description pre").first().textContent()
    expect(status).toBe("200")
    expect(JSON.parse(body ?? "null")).toMatchObject({ email, is_active: true })
  }, 120_000)
})
