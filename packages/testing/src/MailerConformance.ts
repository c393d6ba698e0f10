/**
 * The conformance suite of the `Mailer` port, run against core's memory mailer and by every real mailer (SMTP) from
 * its own tests: each message reaches its recipient with its token, and a delivery that cannot be made fails with
 * `MailerError` within a bound (never a defect, never a hang).
 *
 * @since 0.0.0
 */
import type { Mailer } from "@effect-users/core/Mailer"
import type { Effect, Layer } from "effect"
import { Context } from "effect"
import { register } from "./internal/harness.ts"
import { mailerChecks } from "./internal/mailerChecks.ts"

/**
 * A message as the recipient's side saw it: the address it was delivered to, and its whole readable content (subject
 * and bodies), in which the suite looks for the token.
 *
 * @since 0.0.0
 * @category models
 */
export interface Delivered {
  readonly to: string
  readonly content: string
}

/**
 * Where the suite reads what the mailer under test delivered (a memory mailer's record, an SMTP server's inbox).
 *
 * @since 0.0.0
 * @category services
 */
export class Inbox extends Context.Service<Inbox, {
  /** The messages delivered so far to `to` (compared case-insensitively), oldest first. */
  readonly receivedBy: (to: string) => Effect.Effect<ReadonlyArray<Delivered>>
}>()("@effect-users/testing/MailerConformance/Inbox") {}

/**
 * A mailer whose server cannot be reached (the layer under `unreachable`): its deliveries must fail.
 *
 * @since 0.0.0
 * @category services
 */
export class UnreachableMailer extends Context.Service<UnreachableMailer, Mailer["Service"]>()(
  "@effect-users/testing/MailerConformance/UnreachableMailer"
) {}

/**
 * Options of {@link suite}: `failureBound`, how long an unreachable delivery may take to fail, retries included
 * (default 30 s, the `DeliveryQueue`'s bound); `skip`: opt-outs, check name -> the written reason.
 *
 * @since 0.0.0
 * @category models
 */
export interface MailerOptions {
  readonly failureBound?: number
  readonly skip?: { readonly [check: string]: string }
}

/**
 * Registers the `Mailer` conformance suite as one `describe` block named `name`, sharing `layer` (built once, with the
 * live services). The layer provides the mailer under test, the `Inbox` it delivers to and an `UnreachableMailer`
 * (skip `"an unreachable server fails with MailerError, in bounded time"` with a reason where none can exist).
 *
 * @since 0.0.0
 * @category constructors
 */
export const suite = (
  name: string,
  layer: Layer.Layer<Mailer | Inbox | UnreachableMailer, unknown>,
  options: MailerOptions = {}
): void => register(name, layer, mailerChecks(options.failureBound ?? 30_000), options.skip)
