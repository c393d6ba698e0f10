import { Context } from "effect"

/**
 * The body of a request once `RequestBody` has read it: its JSON value when the content type is JSON, the text
 * itself otherwise (FastAPI validates a non-JSON body as that string), `undefined` for an empty body.
 */
export class ParsedBody extends Context.Service<ParsedBody, { readonly value: unknown }>()(
  "@effect-users/transport-http/ParsedBody"
) {}
