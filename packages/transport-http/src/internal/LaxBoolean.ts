import { Effect, Option, Schema, SchemaGetter, SchemaIssue } from "effect"

const TRUE = new Set(["1", "on", "t", "true", "y", "yes"])
const FALSE = new Set(["0", "off", "f", "false", "n", "no"])

/**
 * Pydantic's lax booleans, which FastAPI Users' user flags accept: `true`/`false`, the strings `"yes"`, `"on"`,
 * `"1"`... (any case) and the numbers 0 and 1; anything else is refused as Pydantic does (`bool_parsing` for a
 * string or number it cannot read, `bool_type` otherwise).
 */
export const LaxBoolean = Schema.Union([Schema.Boolean, Schema.String, Schema.Finite]).pipe(
  Schema.decodeTo(Schema.Boolean, {
    decode: SchemaGetter.transformEffect((value: boolean | string | number) => {
      if (typeof value === "boolean") return Effect.succeed(value)
      if (typeof value === "string") {
        const lower = value.toLowerCase()
        if (TRUE.has(lower)) return Effect.succeed(true)
        if (FALSE.has(lower)) return Effect.succeed(false)
      } else if (value === 0 || value === 1) return Effect.succeed(value === 1)
      return Effect.fail(new SchemaIssue.InvalidType(Schema.Boolean.ast, Option.some(value)))
    }),
    encode: SchemaGetter.transform((flag: boolean) => flag)
  })
)
