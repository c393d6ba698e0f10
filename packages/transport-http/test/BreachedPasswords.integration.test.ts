/**
 * The breached-password check against a local range server in HIBP's format (over real HTTP, effect's fetch
 * client): a breached password refused, a clean one accepted, only the hash's 5-character prefix sent, padding lines
 * ignored, and the application's choice when the service fails or hangs (fail open or closed, within the bound).
 */
import * as PasswordPolicy from "@effect-users/core/PasswordPolicy"
import type { InvalidPassword } from "@effect-users/core/UserError"
import * as BreachedPasswords from "@effect-users/transport-http/BreachedPasswords"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { createHash } from "node:crypto"
import { createServer } from "node:http"

const sha1 = (password: string) => createHash("sha1").update(password, "utf8").digest("hex").toUpperCase()

const breachedPassword = "correct horse battery staple"
const user = { email: "ada@example.com", password: "" }

/** The range server: what it was asked, and how it answers (`ok`, `error` 503, `hang`). */
const rangeServer = Effect.acquireRelease(
  Effect.callback<
    {
      url: string
      paths: Array<string>
      headers: Array<string | undefined>
      mode: { value: string }
      close: () => void
    }
  >(
    (resume) => {
      const paths: Array<string> = []
      const headers: Array<string | undefined> = []
      const mode = { value: "ok" }
      const hash = sha1(breachedPassword)
      const server = createServer((request, response) => {
        paths.push(request.url ?? "")
        const padding = request.headers["add-padding"]
        headers.push(Array.isArray(padding) ? padding[0] : padding)
        if (mode.value === "hang") return
        if (mode.value === "error") return void response.writeHead(503).end()
        const prefix = (request.url ?? "").split("/").pop() ?? ""
        const lines = ["0018A45C4D1DEF81644B54AB7F969B88D65:3", "00D4F6E8FA6EECAD2A3AA415EEC418D38EC:0"]
        if (prefix === hash.slice(0, 5)) lines.push(`${hash.slice(5).toLowerCase()}:42`)
        // a padding entry for another suffix of the clean password's range, count 0
        lines.push(`${sha1("a clean and long passphrase").slice(5)}:0`)
        response.writeHead(200, { "content-type": "text/plain" }).end(lines.join("\r\n"))
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({
          url: `http://127.0.0.1:${port}/range/`,
          paths,
          headers,
          mode,
          close: () => {
            server.closeAllConnections()
            server.close()
          }
        }))
      })
    }
  ),
  (server) => Effect.sync(server.close)
)

const policy = (endpoint: string, onUnavailable: "accept" | "refuse") =>
  Effect.gen(function*() {
    return yield* PasswordPolicy.PasswordPolicy
  }).pipe(
    Effect.provide(
      BreachedPasswords.layer({ endpoint, onUnavailable, timeout: "500 millis" }).pipe(
        Layer.provide([PasswordPolicy.layerNist(), FetchHttpClient.layer])
      )
    )
  )

const reason = (effect: Effect.Effect<void, InvalidPassword>) =>
  Effect.match(effect, { onFailure: (error) => String(error.reason), onSuccess: () => "ok" })

describe("BreachedPasswords", () => {
  it.live("k-anonymity: a breached password refused, a clean one accepted, only the prefix sent", () =>
    Effect.gen(function*() {
      const server = yield* rangeServer
      const check = yield* policy(server.url, "refuse")
      assert.strictEqual(
        yield* reason(check.validate(breachedPassword, user)),
        "Password has appeared in a data breach"
      )
      assert.strictEqual(yield* reason(check.validate("a clean and long passphrase", user)), "ok")
      // the policy in front still runs first: a short password never reaches the service
      assert.strictEqual(yield* reason(check.validate("short", user)), "Password should be at least 15 characters")
      assert.deepStrictEqual(server.paths, [
        `/range/${sha1(breachedPassword).slice(0, 5)}`,
        `/range/${sha1("a clean and long passphrase").slice(0, 5)}`
      ])
      assert.deepStrictEqual(server.headers, ["true", "true"])
    }))

  it.live("the service failing or hanging: fail open or closed as chosen, within the bound", () =>
    Effect.gen(function*() {
      const server = yield* rangeServer
      const open = yield* policy(server.url, "accept")
      const closed = yield* policy(server.url, "refuse")
      for (const mode of ["error", "hang"]) {
        server.mode.value = mode
        const start = yield* Clock.currentTimeMillis
        assert.strictEqual(yield* reason(open.validate(breachedPassword, user)), "ok", mode)
        assert.strictEqual(
          yield* reason(closed.validate(breachedPassword, user)),
          "Password could not be checked against known breaches; try again later",
          mode
        )
        const took = (yield* Clock.currentTimeMillis) - start
        assert.isBelow(took, 2_000, `${mode}: ${took} ms`)
      }
      // nothing listening at all
      const nowhere = yield* policy("http://127.0.0.1:9/range/", "refuse")
      assert.notStrictEqual(yield* reason(nowhere.validate(breachedPassword, user)), "ok")
    }))
})
