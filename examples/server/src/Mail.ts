/**
 * How the example delivers the verification and reset-password messages: over SMTP (`@effect-users/mailer-smtp`)
 * when `SMTP_URL` is set, else printed to the console (development only: production mode refuses to start without
 * SMTP, src/Production.ts).
 */
import { Mailer } from "@effect-users/core"
import { Config, Effect, Layer, Option } from "effect"

/** The mail settings, from the environment. */
export const MailConfig = Config.all({
  /** `smtp://user:password@host:587` or `smtps://…:465`; unset: the console mailer. */
  smtpUrl: Config.option(Config.Redacted("SMTP_URL")),
  /** The sender of every message. */
  from: Config.String("MAIL_FROM").pipe(Config.withDefault("effect-users example <no-reply@localhost>")),
  /** Where the front end's `/verify` and `/reset-password` pages live (the links in the messages). */
  frontendUrl: Config.option(Config.String("FRONTEND_URL"))
})

/** The mail settings. */
export type MailConfig = Config.Success<typeof MailConfig>

/** The front end assumed when `FRONTEND_URL` is unset (a development server beside this one). */
export const DEFAULT_FRONTEND_URL = "http://localhost:3000"

/**
 * The mailer the settings select. The SMTP package (and nodemailer, ~25 MB of resident memory) is loaded only when
 * `SMTP_URL` is set.
 */
export const layer = (config: MailConfig): Layer.Layer<Mailer.Mailer> =>
  Option.match(config.smtpUrl, {
    onNone: () => Mailer.layerConsole,
    onSome: (url) =>
      Layer.unwrap(
        Effect.map(Effect.promise(() => import("@effect-users/mailer-smtp/SmtpMailer")), (SmtpMailer) =>
          SmtpMailer.layer({
            url,
            from: config.from,
            frontendUrl: Option.getOrElse(config.frontendUrl, () => DEFAULT_FRONTEND_URL)
          }))
      )
  })
