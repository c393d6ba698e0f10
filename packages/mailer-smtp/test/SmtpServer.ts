/**
 * A real SMTP server for the tests (the `smtp-server` package on 127.0.0.1, a free port), which parses every message
 * it accepts with `mailparser` and keeps it; `reject` makes it refuse the next deliveries with a given reply.
 */
import { MailerConformance } from "@effect-users/testing"
import { Context, Effect, Layer } from "effect"
import { type ParsedMail, simpleParser } from "mailparser"
import { SMTPServer, type SMTPServerOptions } from "smtp-server"

/** A message the server accepted. */
export interface Received {
  readonly to: ReadonlyArray<string>
  readonly parsed: ParsedMail
}

/** The running server. */
export class SmtpServer extends Context.Service<SmtpServer, {
  readonly url: string
  readonly port: number
  readonly received: Array<Received>
  /** Refuses the next `count` messages with `code` (451: try again later; 550: never). */
  readonly reject: (count: number, code: number) => void
  /** The logins the server accepted. */
  readonly logins: Array<{ readonly username: string; readonly password: string }>
}>()("test/SmtpServer") {}

/** The server's options: no TLS (`STARTTLS` disabled), any or no login accepted unless `auth` is given. */
export const layer = (auth?: { readonly username: string; readonly password: string }) =>
  Layer.effect(
    SmtpServer,
    Effect.gen(function*() {
      const received: Array<Received> = []
      const logins: Array<{ username: string; password: string }> = []
      let rejections: { count: number; code: number } = { count: 0, code: 0 }
      const options: SMTPServerOptions = {
        authOptional: auth === undefined,
        disabledCommands: ["STARTTLS"],
        logger: false,
        onAuth: (credentials, _session, callback) => {
          if (
            auth !== undefined && (credentials.username !== auth.username || credentials.password !== auth.password)
          ) {
            return callback(new Error("Invalid username or password"))
          }
          logins.push({ username: credentials.username ?? "", password: credentials.password ?? "" })
          callback(null, { user: credentials.username })
        },
        onData: (stream, session, callback) => {
          const to = session.envelope.rcptTo.map((address) => address.address)
          if (rejections.count > 0) {
            rejections = { count: rejections.count - 1, code: rejections.code }
            stream.resume()
            const error = Object.assign(new Error("refused by the test"), { responseCode: rejections.code })
            return stream.on("end", () => callback(error))
          }
          simpleParser(stream).then(
            (parsed) => {
              received.push({ to, parsed })
              callback()
            },
            (error: Error) => callback(error)
          )
        }
      }
      const server = new SMTPServer(options)
      const port = yield* Effect.acquireRelease(
        Effect.callback<number>((resume) => {
          server.listen(0, "127.0.0.1", () => {
            const address = server.server.address()
            resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
          })
        }),
        () => Effect.callback<void>((resume) => server.close(() => resume(Effect.void)))
      )
      return SmtpServer.of({
        url: `smtp://127.0.0.1:${port}`,
        port,
        received,
        logins,
        reject: (count, code) => {
          rejections = { count, code }
        }
      })
    })
  )

/** The conformance suite's view of the server: subject, text and HTML of each message, per recipient. */
export const inbox = Layer.effect(
  MailerConformance.Inbox,
  Effect.map(SmtpServer, (server) =>
    MailerConformance.Inbox.of({
      receivedBy: (to) =>
        Effect.sync(() =>
          server.received
            .filter((message) => message.to.some((address) => address.toLowerCase() === to.toLowerCase()))
            .map((message) => ({
              to,
              content: [message.parsed.subject ?? "", message.parsed.text ?? "", String(message.parsed.html)].join(
                "\n"
              )
            }))
        )
    }))
)
