/**
 * The `Mailer` suite against core's memory mailer, the reference implementation.
 */
import * as Mailer from "@effect-users/core/Mailer"
import { MailerConformance } from "@effect-users/testing"
import { Effect, Layer, Ref } from "effect"

// the memory mailer records the token itself: that is its whole content
const MemoryInbox = Layer.effect(
  MailerConformance.Inbox,
  Effect.map(Mailer.SentMessages, (sent) =>
    MailerConformance.Inbox.of({
      receivedBy: (to) =>
        Effect.map(
          Ref.get(sent),
          (messages) =>
            messages
              .filter((message) => message.to.toLowerCase() === to.toLowerCase())
              .map((message) => ({ to: message.to, content: `${message.kind}: ${message.token}` }))
        )
    }))
)

MailerConformance.suite(
  "Mailer conformance: core's memory mailer",
  MemoryInbox.pipe(
    Layer.provideMerge(Mailer.layerMemory),
    Layer.merge(Layer.succeed(
      MailerConformance.UnreachableMailer,
      Mailer.Mailer.of({
        sendVerifyToken: () => Effect.void,
        sendResetPasswordToken: () => Effect.void
      })
    ))
  ),
  {
    skip: {
      "an unreachable server fails with MailerError, in bounded time":
        "the memory mailer has no server: it cannot be unreachable"
    }
  }
)
