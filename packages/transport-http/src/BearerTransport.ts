/**
 * The Bearer transport (docs/moving-from-fastapi-users.md): the token travels in `Authorization: Bearer <token>`; login answers
 * `{"access_token", "token_type": "bearer"}`; logout has no response of its own (a bare 204).
 *
 * @since 0.0.0
 */
import { Transport } from "@effect-users/core"
import { Effect, Option } from "effect"
import type { HttpServerRequest } from "effect/http"
import { jsonResponse } from "./ErrorResponse.ts"
import type { HttpTransport } from "./HttpTransport.ts"

/**
 * Options: `tokenUrl` is the path of the backend's login route, used only by the OpenAPI document (the docs page's
 * password flow posts there).
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  readonly tokenUrl: string
}

/**
 * Reads the token of an `Authorization` header: the scheme (before the first space) must be `bearer` in any case;
 * the token is the rest, trimmed; an empty token is none.
 *
 * @since 0.0.0
 * @category parsing
 */
export const parseAuthorization = (header: string | undefined): Option.Option<string> => {
  if (header === undefined) return Option.none()
  const space = header.indexOf(" ")
  if (space !== 6) return Option.none()
  const scheme = header.slice(0, 6)
  if (scheme !== "Bearer" && scheme.toLowerCase() !== "bearer") return Option.none()
  const token = header.slice(7).trim()
  return token === "" ? Option.none() : Option.some(token)
}

const logoutNotSupported = Effect.fail(new Transport.LogoutNotSupported())

/**
 * Builds a Bearer transport.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (options: Options): HttpTransport => ({
  readToken: (request: HttpServerRequest.HttpServerRequest) => parseAuthorization(request.headers["authorization"]),
  loginResponse: (token) => Effect.succeed(jsonResponse(200, { access_token: token, token_type: "bearer" })),
  logoutResponse: logoutNotSupported,
  securityScheme: {
    name: "OAuth2PasswordBearer",
    scheme: { type: "oauth2", flows: { password: { scopes: {}, tokenUrl: options.tokenUrl } } }
  }
})
