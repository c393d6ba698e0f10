/**
 * Kinds of user id: how an id is parsed from a path segment or a token's `sub`, rendered back, and generated.
 *
 * @since 0.0.0
 */
import { Clock, Effect, Option, Schema } from "effect"
import { randomBytes, randomUUID } from "node:crypto"

/**
 * How a kind of id is parsed, rendered, shown on the wire and generated.
 *
 * @since 0.0.0
 * @category models
 */
export interface IdKind<Id> {
  readonly _tag: "uuid" | "integer" | "objectId"
  /** Parses a path segment or token `sub`; `None` is FastAPI Users' "invalid id". */
  readonly parse: (input: unknown) => Option.Option<Id>
  /** Renders the id as a token `sub` or a storage key. */
  readonly format: (id: Id) => string
  /** The id as it appears in JSON bodies. */
  readonly schema: Schema.Codec<Id, Id>
  /** A fresh id, for stores that do not assign one (`None`: the store assigns it, as a SQL serial). */
  readonly generate: Option.Option<Effect.Effect<Id>>
}

const UUID_HEX = /^[0-9a-f]{32}$/u
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u

/**
 * UUID ids (the default): accepts the hyphenated form, 32 hex digits, braces and a `urn:uuid:` prefix in any case,
 * as Python's `uuid.UUID`, and renders lower-case hyphenated.
 *
 * @since 0.0.0
 * @category constructors
 */
export const uuid: IdKind<string> = {
  _tag: "uuid",
  parse: (input) => {
    if (typeof input !== "string") return Option.none()
    // The canonical form (every id we render, hence every token `sub`) is the hot path: accept it as it is.
    if (CANONICAL_UUID.test(input)) return Option.some(input)
    let value = input.trim().toLowerCase()
    if (value.startsWith("urn:uuid:")) value = value.slice("urn:uuid:".length)
    if (value.startsWith("{") && value.endsWith("}")) value = value.slice(1, -1)
    const hex = value.replaceAll("-", "")
    if (!UUID_HEX.test(hex) || (value.length !== 32 && value.length !== 36)) return Option.none()
    if (value.length === 36 && !CANONICAL_UUID.test(value)) {
      return Option.none()
    }
    return Option.some(
      `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    )
  },
  format: (id) => id,
  schema: Schema.String.annotate({ format: "uuid" }),
  generate: Option.some(Effect.sync(() => randomUUID()))
}

const INTEGER = /^[+-]?\d+(_\d+)*$/u

/**
 * Integer ids, assigned by the store: parses like Python's `int()` on a string (surrounding spaces, a sign, `_`
 * separators), refuses floats.
 *
 * @since 0.0.0
 * @category constructors
 */
export const integer: IdKind<number> = {
  _tag: "integer",
  parse: (input) => {
    if (typeof input === "number") return Number.isSafeInteger(input) ? Option.some(input) : Option.none()
    if (typeof input !== "string") return Option.none()
    const value = input.trim()
    if (!INTEGER.test(value)) return Option.none()
    const n = Number(value.replaceAll("_", ""))
    return Number.isSafeInteger(n) ? Option.some(n) : Option.none()
  },
  format: (id) => String(id),
  schema: Schema.Int,
  generate: Option.none()
}

const OBJECT_ID = /^[0-9a-f]{24}$/u

/**
 * MongoDB ObjectId ids, as 24 lower-case hex characters.
 *
 * @since 0.0.0
 * @category constructors
 */
export const objectId: IdKind<string> = {
  _tag: "objectId",
  parse: (input) => {
    if (typeof input !== "string") return Option.none()
    const value = input.toLowerCase()
    return OBJECT_ID.test(value) ? Option.some(value) : Option.none()
  },
  format: (id) => id,
  schema: Schema.String.check(Schema.isPattern(/^[0-9a-f]{24}$/u)),
  generate: Option.some(
    Effect.map(
      Clock.currentTimeMillis,
      (millis) => Math.floor(millis / 1000).toString(16).padStart(8, "0").slice(-8) + randomBytes(8).toString("hex")
    )
  )
}
