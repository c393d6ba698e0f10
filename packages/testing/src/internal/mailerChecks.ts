import { Mailer } from "@effect-users/core/Mailer"
import type { User } from "@effect-users/core/User"
import { assert } from "@effect/vitest"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { Inbox, UnreachableMailer } from "../MailerConformance.ts"
import { assertFailsWith, uniqueEmail, uniqueString } from "./fixtures.ts"
import type { Check } from "./harness.ts"

/** A recipient: the mailer reads only `email` (and whatever its templates read). */
const recipient = (label: string): User => ({
  id: randomUUID(),
  email: uniqueEmail(label),
  hashed_password: "$argon2id$v=19$m=19456,t=2,p=1$not-a-real-hash",
  is_active: true,
  is_superuser: false,
  is_verified: false,
  oauth_accounts: []
})

/** A token shaped like the manager's (a JWT: base64url segments and dots). */
const token = (label: string): string =>
  `eyJ${Buffer.from(uniqueString(label)).toString("base64url")}.${randomUUID().replaceAll("-", "")}.sig_-`

// Delivery may be asynchronous on the recipient's side (an SMTP server hands the message over after the reply).
const received = Effect.fnUntraced(function*(to: string, count: number) {
  const inbox = yield* Inbox
  for (let i = 0; i < 100; i++) {
    const messages = yield* inbox.receivedBy(to)
    if (messages.length >= count) return messages
    yield* Effect.sleep("50 millis")
  }
  return yield* inbox.receivedBy(to)
})

/** The checks of `MailerConformance.suite`. */
export const mailerChecks = (
  failureBound: number
): ReadonlyArray<Check<Mailer | Inbox | UnreachableMailer>> => [
  {
    name: "a verification message reaches its recipient with its token",
    run: Effect.gen(function*() {
      const mailer = yield* Mailer
      const user = recipient("verify")
      const sent = token("verify")
      yield* mailer.sendVerifyToken(user, sent)
      const messages = yield* received(user.email, 1)
      assert.strictEqual(messages.length, 1, "exactly one message")
      assert.include(messages[0]?.content ?? "", sent, "the message carries the token")
    })
  },
  {
    name: "a reset-password message reaches its recipient with its token",
    run: Effect.gen(function*() {
      const mailer = yield* Mailer
      const user = recipient("reset")
      const sent = token("reset")
      yield* mailer.sendResetPasswordToken(user, sent)
      const messages = yield* received(user.email, 1)
      assert.strictEqual(messages.length, 1, "exactly one message")
      assert.include(messages[0]?.content ?? "", sent, "the message carries the token")
    })
  },
  {
    name: "each recipient gets only their own messages, the two kinds told apart",
    run: Effect.gen(function*() {
      const mailer = yield* Mailer
      const alice = recipient("alice")
      const bob = recipient("bob")
      const [a, b, c] = [token("a"), token("b"), token("c")]
      yield* Effect.all([
        mailer.sendVerifyToken(alice, a),
        mailer.sendResetPasswordToken(bob, b),
        mailer.sendResetPasswordToken(alice, c)
      ], { concurrency: "unbounded" })
      const toAlice = yield* received(alice.email, 2)
      const toBob = yield* received(bob.email, 1)
      assert.strictEqual(toAlice.length, 2)
      assert.strictEqual(toBob.length, 1)
      assert.notInclude(toBob[0]?.content ?? "", a)
      assert.notInclude(toBob[0]?.content ?? "", c)
      const verifyMessage = toAlice.find((m) => m.content.includes(a))
      const resetMessage = toAlice.find((m) => m.content.includes(c))
      assert.isDefined(verifyMessage, "the verification message")
      assert.isDefined(resetMessage, "the reset message")
      assert.notStrictEqual(verifyMessage, resetMessage, "two different messages")
    })
  },
  {
    name: "an unreachable server fails with MailerError, in bounded time",
    timeout: failureBound + 10_000,
    run: Effect.gen(function*() {
      const mailer = yield* UnreachableMailer
      const user = recipient("unreachable")
      const started = Date.now()
      yield* assertFailsWith(mailer.sendVerifyToken(user, token("unreachable")), "MailerError", "an outage")
      assert.isBelow(Date.now() - started, failureBound, "failed within the bound")
    })
  }
]
