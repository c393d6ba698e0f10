// The OAuth state and what is derived from it: FastAPI Users' state JWT (core's ActionToken, audience
// `fastapi-users:oauth-state`, claims `sub` when associating, `csrftoken`, `aud`, `exp`, in that order, one hour),
// the double-submit CSRF value, and the PKCE verifier and OpenID nonce (difference Q17). The verifier and the nonce
// are HMACs of the CSRF value under the state secret: the callback recomputes them from the cookie, so neither is
// stored anywhere, and neither can be computed from what the URLs carry (the CSRF value is in the state, but the key
// is not).
import { ActionToken } from "@effect-users/core"
import { DateTime, Effect, Result } from "effect"
import { randomBytes } from "node:crypto"

/** FastAPI Users' `STATE_TOKEN_AUDIENCE`. */
export const AUDIENCE = "fastapi-users:oauth-state"

/** The state's and the CSRF cookie's lifetime (fixed by FastAPI Users). */
export const LIFETIME_SECONDS = 3600

/** A fresh CSRF value: 32 random bytes, base64url (43 characters), as FastAPI Users' `secrets.token_urlsafe(32)`. */
export const csrfToken: Effect.Effect<string> = Effect.sync(() => randomBytes(32).toString("base64url"))

/** Signs the state of an authorization request (`sub`: the associating user's id). */
export const sign = (key: ActionToken.Key, csrf: string, now: DateTime.Utc, sub?: string): string =>
  ActionToken.signSync(key, {
    ...(sub === undefined ? {} : { sub }),
    csrftoken: csrf,
    aud: AUDIENCE,
    exp: Math.floor(DateTime.toEpochMillis(now) / 1000) + LIFETIME_SECONDS
  })

/** The decoded state. */
export interface State {
  readonly csrftoken: string | undefined
  readonly sub: string | undefined
}

/** Decodes a state: `Expired`, `Invalid` (anything else that is not this secret's state token), or its claims. */
export const decode = (
  key: ActionToken.Key,
  token: string,
  now: DateTime.Utc
): Effect.Effect<Result.Result<State, ActionToken.Refusal>> =>
  Effect.map(ActionToken.decode(key, token, AUDIENCE, now), (decoded) =>
    Result.map(decoded, (claims) => ({
      csrftoken: typeof claims["csrftoken"] === "string" ? claims["csrftoken"] : undefined,
      sub: typeof claims.sub === "string" ? claims.sub : undefined
    })))

/** The PKCE verifier of a flow: 43 base64url characters (RFC 7636's alphabet and minimum length). */
export const codeVerifier = (key: ActionToken.Key, csrf: string): string =>
  ActionToken.macSync(key, `effect-users:pkce-verifier:${csrf}`)

/** The OpenID nonce of a flow: 43 base64url characters. */
export const nonce = (key: ActionToken.Key, csrf: string): string =>
  ActionToken.macSync(key, `effect-users:oidc-nonce:${csrf}`)
