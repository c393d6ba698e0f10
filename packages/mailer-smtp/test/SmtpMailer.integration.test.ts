/**
 * `SmtpMailer` against a real SMTP server started by the test (smtp-server, parsed with mailparser): the `Mailer`
 * conformance suite, the rendered messages and their links, retries, permanent refusals and credentials.
 */
import { Mailer } from "@effect-users/core"
import { MailTemplates, SmtpMailer } from "@effect-users/mailer-smtp"
import { MailerConformance } from "@effect-users/testing"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Exit, Layer, Redacted } from "effect"
import { createServer, type Socket } from "node:net"
import { inbox, layer as smtpServer, SmtpServer } from "./SmtpServer.ts"

const user = (email: string) => ({
  id: "00000000-0000-4000-8000-000000000001",
  email,
  hashed_password: "x",
  is_active: true,
  is_superuser: false,
  is_verified: false,
  oauth_accounts: []
})

const options = (url: string): SmtpMailer.Options => ({
  url: Redacted.make(url),
  from: "Example <no-reply@example.com>",
  frontendUrl: "https://app.example.com/base/",
  retryBase: "10 millis",
  attemptTimeout: "2 seconds"
})

/** A port nobody listens on (bound, then closed). */
const closedPort = Effect.callback<number>((resume) => {
  const probe = createServer()
  probe.listen(0, "127.0.0.1", () => {
    const address = probe.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    probe.close(() => resume(Effect.succeed(port)))
  })
})

const mailerOn = Layer.effect(
  Mailer.Mailer,
  Effect.flatMap(SmtpServer, (server) => SmtpMailer.make(options(server.url)))
)
const unreachable = Layer.effect(
  MailerConformance.UnreachableMailer,
  Effect.flatMap(closedPort, (port) => SmtpMailer.make({ ...options(`smtp://127.0.0.1:${port}`), retries: 2 }))
)

MailerConformance.suite(
  "Mailer conformance: SmtpMailer on a real SMTP server",
  Layer.mergeAll(mailerOn, inbox, unreachable).pipe(Layer.provideMerge(smtpServer())),
  { failureBound: 10_000 }
)

layer(Layer.provideMerge(mailerOn, smtpServer()), { excludeTestServices: true })("SmtpMailer", (it) => {
  it.effect("a verification message: subject, plain text and HTML, the link on the front end", () =>
    Effect.gen(function*() {
      const server = yield* SmtpServer
      const mailer = yield* Mailer.Mailer
      const before = server.received.length
      yield* mailer.sendVerifyToken(user("ada@example.com"), "tok.en-_1")
      const message = server.received[before]
      assert.isDefined(message)
      if (message === undefined) return
      assert.deepStrictEqual(message.to, ["ada@example.com"])
      assert.strictEqual(message.parsed.subject, MailTemplates.english.verify.subject)
      assert.deepStrictEqual(message.parsed.from?.value.map((a) => [a.name, a.address]), [[
        "Example",
        "no-reply@example.com"
      ]])
      const expected = "https://app.example.com/base/verify?token=tok.en-_1"
      assert.include(message.parsed.text ?? "", expected)
      assert.include(String(message.parsed.html), `href="${expected}"`)
    }))

  it.effect("a reset message; a transient refusal (451) is retried, a permanent one (550) is not", () =>
    Effect.gen(function*() {
      const server = yield* SmtpServer
      const mailer = yield* Mailer.Mailer
      server.reject(2, 451)
      const before = server.received.length
      yield* mailer.sendResetPasswordToken(user("bob@example.com"), "reset-token")
      assert.strictEqual(server.received.length, before + 1, "delivered on the third attempt")
      assert.strictEqual(server.received[before]?.parsed.subject, MailTemplates.english.resetPassword.subject)
      assert.include(
        server.received[before]?.parsed.text ?? "",
        "https://app.example.com/base/reset-password?token=reset-token"
      )

      server.reject(1, 550)
      const exit = yield* Effect.exit(mailer.sendResetPasswordToken(user("carol@example.com"), "t2"))
      assert.isTrue(Exit.isFailure(exit))
      // the next message goes through at once: the 550 was not retried into it
      yield* mailer.sendResetPasswordToken(user("carol@example.com"), "t3")
      const toCarol = server.received.filter((m) => m.to.includes("carol@example.com"))
      assert.strictEqual(toCarol.length, 1)
      assert.include(toCarol[0]?.parsed.text ?? "", "token=t3")
    }))
})

describe("SmtpMailer options", () => {
  it.live("links keep the path's own query: `&` in the text, `&amp;` in the HTML", () =>
    Effect.gen(function*() {
      const server = yield* SmtpServer
      const mailer = yield* SmtpMailer.make({ ...options(server.url), verifyPath: "/verify?lang=fr" })
      yield* mailer.sendVerifyToken(user("dora@example.com"), "abc")
      const message = server.received.at(-1)
      const expected = "https://app.example.com/base/verify?lang=fr&token=abc"
      assert.include(message?.parsed.text ?? "", expected)
      assert.include(String(message?.parsed.html), `href="https://app.example.com/base/verify?lang=fr&amp;token=abc"`)
    }).pipe(Effect.provide(smtpServer())), { timeout: 20_000 })

  it.live("templates an application overrides (another language, chosen per user)", () =>
    Effect.gen(function*() {
      const server = yield* SmtpServer
      const french: MailTemplates.Catalogue = {
        verify: {
          subject: "Confirmez votre adresse",
          intro: "Bonjour & bienvenue",
          action: "Confirmer",
          outro: "Merci"
        },
        resetPassword: MailTemplates.english.resetPassword
      }
      const mailer = yield* SmtpMailer.make({
        ...options(server.url),
        templates: MailTemplates.fromCatalogue((u) => u.email.endsWith(".fr") ? french : MailTemplates.english)
      })
      yield* mailer.sendVerifyToken(user("eve@example.fr"), "abc")
      const message = server.received.at(-1)
      assert.strictEqual(message?.parsed.subject, "Confirmez votre adresse")
      assert.include(message?.parsed.text ?? "", "Bonjour & bienvenue")
      assert.include(String(message?.parsed.html), "Bonjour &amp; bienvenue")
      yield* mailer.sendVerifyToken(user("eve@example.com"), "abc")
      assert.strictEqual(server.received.at(-1)?.parsed.subject, MailTemplates.english.verify.subject)
    }).pipe(Effect.provide(smtpServer())), { timeout: 20_000 })

  it.live("credentials: the Redacted password logs in, and never shows in the options", () =>
    Effect.gen(function*() {
      const server = yield* SmtpServer
      const password = Redacted.make("s3cret-password")
      const config = { ...options(server.url), auth: { user: "mailer", password } }
      assert.notInclude(JSON.stringify(config), "s3cret-password")
      assert.notInclude(String(config.auth.password), "s3cret-password")
      const mailer = yield* SmtpMailer.make(config)
      yield* mailer.sendVerifyToken(user("fay@example.com"), "abc")
      assert.deepStrictEqual(server.logins, [{ username: "mailer", password: "s3cret-password" }])
      const wrong = yield* SmtpMailer.make({ ...config, auth: { user: "mailer", password: Redacted.make("nope") } })
      const exit = yield* Effect.exit(wrong.sendVerifyToken(user("fay@example.com"), "abc"))
      assert.isTrue(Exit.isFailure(exit), "a wrong password fails the delivery")
    }).pipe(Effect.provide(smtpServer({ username: "mailer", password: "s3cret-password" }))), { timeout: 20_000 })

  it.live(
    "a server that accepts the connection and never answers: each attempt is cut at attemptTimeout",
    () =>
      Effect.gen(function*() {
        const sockets: Array<Socket> = []
        const silent = createServer((socket) => void sockets.push(socket))
        const port = yield* Effect.acquireRelease(
          Effect.callback<number>((resume) => {
            silent.listen(0, "127.0.0.1", () => {
              const address = silent.address()
              resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
            })
          }),
          () =>
            Effect.sync(() => {
              for (const socket of sockets) socket.destroy()
              silent.close()
            })
        )
        const mailer = yield* SmtpMailer.make({
          ...options(`smtp://127.0.0.1:${port}`),
          retries: 1,
          attemptTimeout: "400 millis"
        })
        const started = Date.now()
        const exit = yield* Effect.exit(mailer.sendVerifyToken(user("gil@example.com"), "abc"))
        const took = Date.now() - started
        assert.isTrue(Exit.isFailure(exit))
        assert.isAtLeast(sockets.length, 2, "two attempts")
        assert.isBelow(took, 3_000, `two bounded attempts (took ${took} ms)`)
      }),
    { timeout: 20_000 }
  )

  it("a front-end URL that is not one is refused at start", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.scoped(SmtpMailer.make({ ...options("smtp://127.0.0.1:1"), frontendUrl: "not a url" }))
    )
    assert.isTrue(Exit.isFailure(exit))
  })
})
