import { Effect } from "effect"
import { createHash, randomBytes } from "node:crypto"

/** A token on the wire: 32 random bytes, URL-safe base64 without padding (43 characters), as FastAPI Users. */
export const generate: Effect.Effect<string> = Effect.sync(() => randomBytes(32).toString("base64url"))

/** What is stored for a token: its SHA-256 digest, URL-safe base64 without padding (43 characters). */
export const digest = (token: string): string => createHash("sha256").update(token, "utf8").digest("base64url")

const WIRE = /^[A-Za-z0-9_-]{43}$/u

/** Whether a presented string can be a token this strategy wrote: anything else is unknown without a lookup. */
export const isWellFormed = (token: string): boolean => WIRE.test(token)
