/**
 * The example's OAuth routers, mounted only when an OpenID Connect provider is configured:
 *
 * - `OAUTH_OIDC_ISSUER`, `OAUTH_OIDC_CLIENT_ID`, `OAUTH_OIDC_CLIENT_SECRET`: the provider (its metadata is read from
 *   `<issuer>/.well-known/openid-configuration` on first use);
 * - `OAUTH_OIDC_NAME` (default `openid`): the provider's name in the routes and in the stored OAuth accounts;
 * - `OAUTH_STATE_SECRET`: signs the OAuth state (the application's `SECRET` when absent);
 * - `OAUTH_OIDC_ALLOW_HTTP=1`: allow an `http:` issuer (a provider on your own machine only).
 *
 * Routes (FastAPI Users' layout): `/auth/<name>` logs in through the JWT backend, `/auth/<name>-cookie` through the
 * cookie backend, `/auth/associate/<name>` links a provider account to the signed-in user; each has `GET /authorize`
 * and `GET /callback`; they are listed in the application's `/openapi.json`.
 */
import { OAuthRouter, OpenIdClient } from "@effect-users/oauth"
import type { HttpTransport, RouterExtension } from "@effect-users/transport-http"
import { Config, Effect, Option } from "effect"
import type { Redacted } from "effect"
import { FetchHttpClient } from "effect/http"

/** The provider's configuration, from the environment. */
export const OAuthConfig = Config.all({
  issuer: Config.option(Config.String("OAUTH_OIDC_ISSUER")),
  clientId: Config.option(Config.String("OAUTH_OIDC_CLIENT_ID")),
  clientSecret: Config.option(Config.Redacted("OAUTH_OIDC_CLIENT_SECRET")),
  name: Config.String("OAUTH_OIDC_NAME").pipe(Config.withDefault("openid")),
  stateSecret: Config.option(Config.Redacted("OAUTH_STATE_SECRET")),
  allowHttp: Config.Boolean("OAUTH_OIDC_ALLOW_HTTP").pipe(Config.withDefault(false))
})

interface Backend {
  readonly name: string
  readonly transport: HttpTransport.HttpTransport
}

/**
 * The OAuth routers when the environment configures a provider, else none: login through the JWT and the cookie
 * backend and association, to add to the application's api (and so served by the same `Users.layer(api)`, listed in
 * the same `/openapi.json`, answered by the same fallback).
 */
export const routers = (
  Users: { readonly extension: RouterExtension.Builder },
  backends: { readonly jwt: Backend; readonly cookie: Backend },
  secret: Redacted.Redacted<string>
) =>
  Effect.gen(function*() {
    const config = yield* OAuthConfig
    if (Option.isNone(config.issuer) || Option.isNone(config.clientId) || Option.isNone(config.clientSecret)) {
      return Option.none()
    }
    const client = yield* OpenIdClient.make({
      name: config.name,
      issuer: config.issuer.value,
      clientId: config.clientId.value,
      clientSecret: config.clientSecret.value,
      allowInsecureRequests: config.allowHttp
    })
    const stateSecret = Option.getOrElse(config.stateSecret, () => secret)
    const name = config.name
    yield* Effect.logInfo(`OAuth: ${name} at ${config.issuer.value} on /auth/${name}, /auth/associate/${name}`)
    return Option.some(
      [
        OAuthRouter.make(Users, client, backends.jwt, { prefix: `/auth/${name}`, stateSecret }),
        OAuthRouter.make(Users, client, backends.cookie, { prefix: `/auth/${name}-cookie`, stateSecret }),
        OAuthRouter.associate(Users, client, { prefix: `/auth/associate/${name}`, stateSecret })
      ] as const
    )
  }).pipe(Effect.provide(FetchHttpClient.layer))
