import { Effect, Schema } from "effect"

/** One user of an export, as `UserManager.importUser` takes it. */
export const ImportRecord = Schema.Struct({
  email: Schema.String,
  hashed_password: Schema.String,
  is_active: Schema.optionalKey(Schema.Boolean),
  is_superuser: Schema.optionalKey(Schema.Boolean),
  is_verified: Schema.optionalKey(Schema.Boolean)
})

/** The names exports use for each field: FastAPI Users' own first, then Auth0's and Better Auth's. */
const ALIASES = {
  email: ["email"],
  hashed_password: ["hashed_password", "password_hash", "passwordHash", "password"],
  is_active: ["is_active", "isActive"],
  is_superuser: ["is_superuser", "isSuperuser"],
  is_verified: ["is_verified", "email_verified", "emailVerified"]
} as const

const BOOLEAN = new Map<unknown, boolean>([
  [true, true],
  [false, false],
  ["true", true],
  ["false", false],
  ["1", true],
  ["0", false],
  ["t", true],
  ["f", false]
])

const pick = (raw: Readonly<Record<string, unknown>>, names: ReadonlyArray<string>): unknown => {
  for (const name of names) {
    const value = raw[name]
    if (value !== undefined && value !== null && value !== "") return value
  }
  return undefined
}

/** Reads one parsed row (a JSON object or a CSV row by header) into a record, or the reason it cannot be. */
export const toRecord = (raw: unknown): Effect.Effect<typeof ImportRecord.Type, string> => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return Effect.fail("not an object")
  const row: Readonly<Record<string, unknown>> = Object.fromEntries(Object.entries(raw))
  const flag = (names: ReadonlyArray<string>) => {
    const value = pick(row, names)
    return value === undefined ? undefined : BOOLEAN.has(value) ? BOOLEAN.get(value) : value
  }
  const candidate = {
    email: pick(row, ALIASES.email),
    hashed_password: pick(row, ALIASES.hashed_password),
    ...Object.fromEntries(
      (["is_active", "is_superuser", "is_verified"] as const).flatMap((key) => {
        const value = flag(ALIASES[key])
        return value === undefined ? [] : [[key, value]]
      })
    )
  }
  return Schema.decodeUnknownEffect(ImportRecord)(candidate).pipe(
    Effect.mapError((error) => error.message.replace(/\s+/gu, " "))
  )
}

/** Splits one CSV line (RFC 4180 quoting: `"a ""b"", c"`; one record per line). */
export const splitCsv = (line: string): ReadonlyArray<string> => {
  const fields: Array<string> = []
  let field = ""
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === "\"" && line[i + 1] === "\"") {
        field += "\""
        i++
      } else if (c === "\"") quoted = false
      else field += c
    } else if (c === "\"") quoted = true
    else if (c === ",") {
      fields.push(field)
      field = ""
    } else field += c
  }
  fields.push(field)
  return fields
}
