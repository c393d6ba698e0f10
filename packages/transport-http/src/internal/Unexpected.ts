import { Cause, Effect } from "effect"
import { HttpServerResponse } from "effect/http"

/** The answer to a failure nothing else answers. */
export const internalError = HttpServerResponse.text("Internal Server Error", { status: 500 })

/** The failures and defects a cause holds (no interruption). */
export const errorsOf = (cause: Cause.Cause<unknown>): ReadonlyArray<unknown> =>
  cause.reasons.flatMap((reason) =>
    Cause.isFailReason(reason) ? [reason.error] : Cause.isDieReason(reason) ? [reason.defect] : []
  )

/**
 * A logged 500 for an unexpected failure or defect; an interruption alone (the client went away) stays one. Every
 * route answers so, the hot path's seam too (it runs ahead of the router).
 */
export const answer = <E>(cause: Cause.Cause<E>): Effect.Effect<HttpServerResponse.HttpServerResponse, E> =>
  errorsOf(cause).length === 0
    ? Effect.failCause(cause)
    : Effect.as(Effect.logError("unexpected failure, answering 500", cause), internalError)
