/**
 * E-mail addresses as FastAPI Users accepts and stores them.
 *
 * @since 0.0.0
 */
import { Effect, Schema, SchemaIssue, SchemaTransformation } from "effect"
import { emailKey, normalizeEmail } from "./internal/email.ts"

/**
 * An e-mail address, decoded the way FastAPI Users' `EmailStr` does: surrounding spaces trimmed, a display-name form
 * (`Ada <ada@example.com>`) reduced to the address, the domain lower-cased and IDNA-normalised (stored in Unicode
 * form), the local part in NFC and otherwise kept as written; unsafe characters (controls, format characters,
 * separators), CR/LF, addresses over 254 UTF-8 bytes, dotless and special-use domains are refused.
 *
 * @since 0.0.0
 * @category schemas
 */
export const Email = Schema.String.annotate({ format: "email" }).pipe(
  Schema.decodeTo(
    Schema.String,
    SchemaTransformation.transformEffect({
      decode: (input, options) => {
        const result = normalizeEmail(input)
        return "email" in result
          ? Effect.succeed(result.email)
          : Effect.fail(
            new SchemaIssue.InvalidValue(
              { message: `value is not a valid email address: ${result.error}` },
              input,
              options
            )
          )
      },
      encode: (email) => Effect.succeed(email)
    })
  )
).annotate({ title: "Email", format: "email" })

/**
 * Normalises an address (see {@link Email}), returning `undefined` when it is not a valid address.
 *
 * @since 0.0.0
 * @category constructors
 */
export const normalize = (input: string): string | undefined => {
  const result = normalizeEmail(input)
  return "email" in result ? result.email : undefined
}

/**
 * The case-insensitive key under which an address is unique and looked up: the address in NFC, lower-cased by
 * Unicode's default mapping (never by a locale). Every store keys its uniqueness and lookups on it.
 *
 * @since 0.0.0
 * @category constructors
 */
export const key: (email: string) => string = emailKey
