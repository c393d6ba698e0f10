/**
 * The mailer port: delivers verification and reset-password tokens to users.
 *
 * @since 0.0.0
 */
import { Context, Effect, Layer, Ref, Schema } from "effect"
import * as Infrastructure from "./Infrastructure.ts"
import type { User } from "./User.ts"

/**
 * Delivery failed.
 *
 * @since 0.0.0
 * @category errors
 */
export class MailerError extends Schema.TaggedError<MailerError>()("MailerError", {
  cause: Schema.Defect()
}) {
  /** Marks the error as infrastructure: a 503 at the HTTP layer. */
  readonly [Infrastructure.TypeId] = Infrastructure.TypeId
}

/**
 * A message the mailer was asked to deliver.
 *
 * @since 0.0.0
 * @category models
 */
export interface Message {
  readonly kind: "verify" | "reset-password"
  readonly to: string
  readonly token: string
}

/**
 * Sends the verification and reset-password messages. `UserManager` calls it in the background (`DeliveryQueue`),
 * after it has answered, then runs the matching hook: neither the time a delivery takes nor its failure (logged)
 * changes the answer, which must not reveal whether the address exists.
 *
 * @since 0.0.0
 * @category services
 */
export class Mailer extends Context.Service<Mailer, {
  readonly sendVerifyToken: (user: User, token: string) => Effect.Effect<void, MailerError>
  readonly sendResetPasswordToken: (user: User, token: string) => Effect.Effect<void, MailerError>
}>()("@effect-users/core/Mailer") {}

/**
 * A mailer that prints each message through Effect's logger (the default; for development).
 *
 * @since 0.0.0
 * @category layers
 */
export const layerConsole: Layer.Layer<Mailer> = Layer.succeed(Mailer, {
  sendVerifyToken: (user, token) =>
    Effect.logInfo(`[mailer] verify e-mail for ${user.email}: POST /auth/verify {"token": "${token}"}`),
  sendResetPasswordToken: (user, token) =>
    Effect.logInfo(
      `[mailer] reset password for ${user.email}: POST /auth/reset-password {"token": "${token}", "password": "..."}`
    )
})

/**
 * The messages a memory mailer recorded.
 *
 * @since 0.0.0
 * @category services
 */
export class SentMessages extends Context.Service<SentMessages, Ref.Ref<ReadonlyArray<Message>>>()(
  "@effect-users/core/Mailer/SentMessages"
) {}

/**
 * A mailer that records messages (read them through `SentMessages`), for tests.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerMemory: Layer.Layer<Mailer | SentMessages> = Layer.effectContext(
  Effect.gen(function*() {
    const sent = yield* Ref.make<ReadonlyArray<Message>>([])
    const record = (kind: Message["kind"]) => (user: User, token: string) =>
      Ref.update(sent, (messages) => [...messages, { kind, to: user.email, token }])
    return Context.make(Mailer, { sendVerifyToken: record("verify"), sendResetPasswordToken: record("reset-password") })
      .pipe(Context.add(SentMessages, sent))
  })
)
