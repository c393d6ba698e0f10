/**
 * One OAuth login driven by a real browser with the network closed: headless Chromium (playwright-core on Debian's
 * `chromium`, see `@effect-users/testing/HeadlessChromium`) goes authorize → the provider's login page → its consent
 * page → the callback of the cookie backend, then reads `GET /users/me` with the cookie the callback set.
 */
import * as HeadlessChromium from "@effect-users/testing/HeadlessChromium"
import * as TestProvider from "@effect-users/testing/OidcProvider"
import { freePort } from "@effect-users/testing/TestServices"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as App from "./app.ts"

describe("an OAuth login in headless Chromium with the network closed", () => {
  let provider: TestProvider.OidcProvider | undefined
  let frozen: { readonly stop: () => Promise<void>; readonly url: string } | undefined
  let dispose: (() => Promise<void>) | undefined
  let browser: HeadlessChromium.HeadlessChromium | undefined
  let base = ""

  beforeAll(async () => {
    browser = await HeadlessChromium.launch()
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    provider = await TestProvider.start({ redirectUris: App.callbacks(port) })
    frozen = await TestProvider.frozen()
    const runtime = ManagedRuntime.make(App.layer({ port, issuer: provider.issuer, downIssuer: frozen.url }))
    await runtime.runPromise(Effect.void)
    dispose = () => runtime.dispose()
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await dispose?.()
    await provider?.stop()
    await frozen?.stop()
  })

  it("authorize → provider login → consent → callback → signed in with the cookie backend", async () => {
    if (browser === undefined || provider === undefined) throw new Error("setup failed")
    const { context, page } = browser
    // the browser really is offline
    await page.goto(`${base}/openapi.json`)
    const offline = await page.evaluate(() =>
      fetch("https://fonts.googleapis.com/css").then(() => "fetched", (e: unknown) => `failed: ${String(e)}`)
    )
    expect(offline).toMatch(/^failed/u)

    // the front-end's part: ask for `authorization_url` and follow it
    const authorize = await page.goto(`${base}${App.prefixes.cookie}/authorize`)
    if (authorize === null) throw new Error("no answer to authorize")
    const { authorization_url } = await authorize.json() as { authorization_url: string }
    await page.goto(authorization_url)
    await page.fill("input[name=\"login\"]", "browser-user")
    await page.fill("input[name=\"password\"]", "any")
    await page.click("button[type=\"submit\"]")
    await page.waitForSelector("input[name=\"prompt\"][value=\"consent\"]", { state: "attached" })
    // the consent form redirects to the callback, which answers 204 with the auth cookie
    const callback = page.waitForResponse((response) =>
      response.url().startsWith(`${base}${App.prefixes.cookie}/callback`)
    )
    await page.click("button[type=\"submit\"]")
    expect((await callback).status()).toBe(204)
    const names = (await context.cookies(base)).map((cookie) => cookie.name)
    expect(names).toContain("fastapiusersauth")
    // the CSRF cookie was cleared by the callback (Q11)
    expect(names).not.toContain("fastapiusersoauthcsrf")

    const me = await page.goto(`${base}/users/me`)
    if (me === null) throw new Error("no answer to GET /users/me")
    expect(me.status()).toBe(200)
    const user = await me.json() as { email: string; oauth_accounts: Array<{ account_id: string }> }
    expect(user.email).toBe("browser-user@example.com")
    expect(user.oauth_accounts.map((account) => account.account_id)).toEqual(["browser-user"])
    expect(provider.requests).toContain("/token")
    // the provider's login page asks for a Google Fonts stylesheet: it never left the machine
    expect(browser.blocked.some((url) => url.startsWith("https://fonts.googleapis.com/"))).toBe(true)
  }, 90_000)
})
