import { Cause } from "effect"
import type { SqlError } from "effect/sql"

/** What PostgreSQL reported for a failed statement, read from the driver's cause. */
export interface DatabaseReport {
  readonly message: string
  readonly sqlstate: string | undefined
}

const field = (value: unknown, name: string): string | undefined => {
  if (typeof value !== "object" || value === null || !(name in value)) return undefined
  const found: unknown = Reflect.get(value, name)
  return typeof found === "string" && found !== "" ? found : undefined
}

const describe = (cause: unknown, depth: number): string => {
  if (depth > 4 || cause === undefined || cause === null) return ""
  const message = cause instanceof Error ? cause.message : typeof cause === "string" ? cause : String(cause)
  const inner = typeof cause === "object" && "cause" in cause ? describe(Reflect.get(cause, "cause"), depth + 1) : ""
  return inner === "" || message.includes(inner) ? message : `${message} (${inner})`
}

/**
 * PostgreSQL's own message, detail and hint with the SQLSTATE when the server answered; otherwise the failure's kind
 * and its underlying cause (a refused connection, a timeout) — never only the driver's "Query failed".
 */
export const report = (error: SqlError.SqlError | Cause.TimeoutError): DatabaseReport => {
  if (Cause.isTimeoutError(error)) return { message: error.message, sqlstate: undefined }
  const cause: unknown = error.reason.cause
  const sqlstate = field(cause, "code")
  const severity = field(cause, "severity")
  const message = field(cause, "message")
  if (sqlstate !== undefined && severity !== undefined && message !== undefined) {
    const detail = field(cause, "detail")
    const hint = field(cause, "hint")
    return {
      message: [message, detail, hint === undefined ? undefined : `Hint: ${hint}`].filter((s) => s !== undefined)
        .join(". "),
      sqlstate
    }
  }
  return { message: `${error.reason._tag}: ${describe(cause, 0) || error.message}`, sqlstate: undefined }
}
