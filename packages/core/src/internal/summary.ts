// One-line summaries of infrastructure failures, so that logging a port's error (one per 503) is one line, not the
// twenty-odd lines of its nested driver cause.
import { hasProperty } from "effect/Predicate"

const MAX_LENGTH = 300

const describe = (cause: unknown, depth: number): string => {
  if (depth > 3) return "…"
  if (hasProperty(cause, "reason") && hasProperty(cause.reason, "_tag")) {
    // effect/sql's SqlError: its reason says what happened (ConnectionError, StatementTimeoutError, …).
    return describe(cause.reason, depth + 1)
  }
  if (cause instanceof Error || (hasProperty(cause, "message") && typeof cause.message === "string")) {
    const name = hasProperty(cause, "_tag") && typeof cause._tag === "string"
      ? cause._tag
      : cause instanceof Error
      ? cause.name
      : "Error"
    const message = typeof cause.message === "string" ? cause.message : ""
    const nested = hasProperty(cause, "cause") && cause.cause !== undefined ? describe(cause.cause, depth + 1) : ""
    const text = message === "" ? nested : nested === "" ? message : `${message} (${nested})`
    return text === "" ? name : `${name}: ${text}`
  }
  if (hasProperty(cause, "_tag") && typeof cause._tag === "string") return cause._tag
  return String(cause)
}

/** What went wrong, on one line (bounded length). */
export const summarize = (cause: unknown): string => {
  const text = describe(cause, 0).replace(/\s+/gu, " ").trim()
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}…` : text
}
