/**
 * Production mode (`NODE_ENV=production`): the settings a development run may leave out are required, and the
 * development conveniences are refused, so that a deployment cannot start with a random secret, a console mailer
 * printing tokens into the logs, or the test endpoints.
 */
import { Effect, Option, Schema } from "effect"
import type { AppConfig } from "./App.ts"

/** Why production mode refused to start: every problem found, one per line. */
export class ProductionMisconfigured extends Schema.TaggedError<ProductionMisconfigured>()(
  "ProductionMisconfigured",
  { message: Schema.String }
) {}

/** The problems of a configuration in production mode (none outside it). */
export const problems = (config: AppConfig): ReadonlyArray<string> => {
  if (!config.production) return []
  const found: Array<string> = []
  if (Option.isNone(config.secret)) found.push("SECRET is required (a random one would end every session at restart)")
  if (Option.isNone(config.mail.smtpUrl)) {
    found.push("SMTP_URL is required (the console mailer would print verification and reset tokens into the logs)")
  }
  if (Option.isNone(config.mail.frontendUrl)) {
    found.push("FRONTEND_URL is required (the links in the messages point at it)")
  }
  if (config.testEndpoints) found.push("EFFECT_USERS_TEST_ENDPOINTS must not be set")
  return found
}

/** Fails with every problem of the configuration in production mode. */
export const check = (config: AppConfig): Effect.Effect<void, ProductionMisconfigured> => {
  const found = problems(config)
  return found.length === 0 ? Effect.void : Effect.fail(
    new ProductionMisconfigured({
      message: `NODE_ENV=production refuses to start:\n${found.map((p) => `  - ${p}`).join("\n")}`
    })
  )
}
