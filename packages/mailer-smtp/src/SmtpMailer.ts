/**
 * The `Mailer` port over SMTP with nodemailer: the verification and reset-password messages as plain text and HTML,
 * their links pointing at the application's front end, each delivery bounded in time and retried.
 *
 * @since 0.0.0
 */
import * as Mailer from "@effect-users/core/Mailer"
import type { User } from "@effect-users/core/User"
import { Config, Duration, Effect, Layer, Redacted, Schedule } from "effect"
import type { Scope } from "effect"
import nodemailer from "nodemailer"
import * as MailTemplates from "./MailTemplates.ts"

/**
 * How to reach the SMTP server and what to send.
 *
 * - `url`: the server, `smtp://host:587` (STARTTLS when offered) or `smtps://host:465`; credentials may be in it
 *   (`smtp://user:password@host`), which is why it is `Redacted`, or in `auth`.
 * - `from`: the sender, e.g. `"Example <no-reply@example.com>"`.
 * - `frontendUrl`: where the application's pages live; the links are `frontendUrl + verifyPath` (default `/verify`)
 *   and `frontendUrl + resetPasswordPath` (default `/reset-password`) with the token as the `token` query parameter
 *   (a path may carry a query of its own: `/verify?lang=fr`).
 * - `retries` (default 3) and `retryBase` (default 500 ms, doubling): a failed attempt is logged and retried, except a
 *   permanent refusal (an SMTP 5xx reply); `attemptTimeout` (default 5 s) bounds each attempt. With the defaults the
 *   worst case (≈ 24 s) stays inside the `DeliveryQueue`'s 30 s bound, so the final failure is the mailer's own.
 *
 * @since 0.0.0
 * @category models
 */
export interface SmtpOptions {
  readonly url: Redacted.Redacted<string>
  readonly auth?: { readonly user: string; readonly password: Redacted.Redacted<string> } | undefined
  readonly from: string
  readonly frontendUrl: string
  readonly verifyPath?: string | undefined
  readonly resetPasswordPath?: string | undefined
  readonly retries?: number | undefined
  readonly retryBase?: Duration.Input | undefined
  readonly attemptTimeout?: Duration.Input | undefined
}

/**
 * The options of `make` and `layer`: `SmtpOptions` and the templates to override (`MailTemplates.defaults`
 * otherwise).
 *
 * @since 0.0.0
 * @category models
 */
export interface Options extends SmtpOptions {
  readonly templates?: Partial<MailTemplates.Templates> | undefined
}

/**
 * The front-end link that carries a token: `frontendUrl` (a trailing `/` dropped) + `path`, with `token` set in the
 * query.
 *
 * @since 0.0.0
 * @category constructors
 */
export const link = (frontendUrl: string, path: string, token: string): string => {
  const url = new URL(frontendUrl.replace(/\/+$/, "") + (path.startsWith("/") ? path : `/${path}`))
  url.searchParams.set("token", token)
  return url.href
}

// A reply the server will give again: retrying cannot help (nodemailer puts the SMTP reply code on the error).
const isPermanent = (error: Mailer.MailerError): boolean => {
  const cause = error.cause
  return typeof cause === "object" && cause !== null && "responseCode" in cause &&
    typeof cause.responseCode === "number" && cause.responseCode >= 500
}

const message = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

/**
 * Builds the mailer; its SMTP transport is closed when the scope closes. A malformed `frontendUrl` or `from` is a
 * defect at start-up, not a failure of every later delivery.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Mailer.Mailer["Service"], never, Scope.Scope> =>
  Effect.gen(function*() {
    const verifyPath = options.verifyPath ?? "/verify"
    const resetPasswordPath = options.resetPasswordPath ?? "/reset-password"
    yield* Effect.try({
      try: () => {
        link(options.frontendUrl, verifyPath, "t")
        link(options.frontendUrl, resetPasswordPath, "t")
      },
      catch: (cause) => new Error(`SmtpMailer: frontendUrl is not a URL (${message(cause)})`)
    }).pipe(Effect.orDie)
    if (options.from.trim() === "") return yield* Effect.die(new Error("SmtpMailer: `from` must not be empty"))
    const templates: MailTemplates.Templates = { ...MailTemplates.defaults, ...options.templates }
    const retries = options.retries ?? 3
    const retryBase = options.retryBase ?? Duration.millis(500)
    const attemptTimeout = Duration.fromInputUnsafe(options.attemptTimeout ?? Duration.seconds(5))
    const socketMillis = Duration.toMillis(attemptTimeout)

    const transport = yield* Effect.acquireRelease(
      Effect.sync(() =>
        nodemailer.createTransport({
          url: Redacted.value(options.url),
          ...(options.auth === undefined
            ? {}
            : { auth: { user: options.auth.user, pass: Redacted.value(options.auth.password) } }),
          // nodemailer's own defaults wait minutes; an attempt never outlives `attemptTimeout`
          connectionTimeout: socketMillis,
          greetingTimeout: socketMillis,
          socketTimeout: socketMillis
        })
      ),
      (transport) => Effect.sync(() => transport.close())
    )

    const send = (kind: "verify" | "reset-password", user: User, rendered: MailTemplates.Rendered) => {
      let attempt = 0
      const once = Effect.suspend(() => {
        attempt++
        return Effect.tryPromise({
          try: () =>
            transport.sendMail({
              from: options.from,
              to: user.email,
              subject: rendered.subject,
              text: rendered.text,
              html: rendered.html
            }),
          catch: (cause) => new Mailer.MailerError({ cause })
        }).pipe(
          Effect.timeoutOrElse({
            duration: attemptTimeout,
            orElse: () =>
              Effect.fail(
                new Mailer.MailerError({ cause: new Error(`no answer from the SMTP server within ${attemptTimeout}`) })
              )
          }),
          // logged here, without the address or the token: the caller logs the final failure
          Effect.tapError((error) =>
            Effect.logWarning(
              `SmtpMailer: the ${kind} message, attempt ${attempt} of ${retries + 1}, failed: ${message(error.cause)}`
            )
          )
        )
      })
      return once.pipe(
        Effect.retry({ schedule: Schedule.exponential(retryBase), times: retries, while: (e) => !isPermanent(e) }),
        Effect.asVoid,
        Effect.withSpan("SmtpMailer.send", { attributes: { "effect_users.mail.kind": kind } })
      )
    }

    return Mailer.Mailer.of({
      sendVerifyToken: (user, token) =>
        send(
          "verify",
          user,
          templates.verify({ user, token, link: link(options.frontendUrl, verifyPath, token) })
        ),
      sendResetPasswordToken: (user, token) =>
        send(
          "reset-password",
          user,
          templates.resetPassword({ user, token, link: link(options.frontendUrl, resetPasswordPath, token) })
        )
    })
  })

/**
 * The mailer as a layer.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Mailer.Mailer> => Layer.effect(Mailer.Mailer, make(options))

/**
 * The mailer as a layer, its SMTP options read through `Config` (e.g. `url: Config.Redacted("SMTP_URL")`), the
 * templates given as values.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Wrap<SmtpOptions>,
  templates?: Partial<MailTemplates.Templates>
): Layer.Layer<Mailer.Mailer, Config.ConfigError> =>
  Layer.effect(
    Mailer.Mailer,
    Effect.flatMap(Config.unwrap(config), (smtp) => make({ ...smtp, templates }))
  )
