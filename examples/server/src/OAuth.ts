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
 * and `GET /callback`. Their OpenAPI document is `/openapi-oauth.json`.
 */
import type { OAuthClient } from "@effect-users/oauth"
import { OAuthRouter, OpenIdClient } from "@effect-users/oauth"
import type { FastApiUsers, HttpTransport, RouterExtension } from "@effect-users/transport-http"
import { Config, Effect, Layer, Option } from "effect"
import type { Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { HttpApi } from "effect/http-api"

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

const makeApi = (
  Users: { readonly extension: RouterExtension.Builder },
  client: OAuthClient.OAuthClient,
  backends: { readonly jwt: Backend; readonly cookie: Backend },
  name: string,
  stateSecret: Redacted.Redacted<string>
) =>
  HttpApi.make("effect-users-example-oauth").add(
    OAuthRouter.make(Users, client, backends.jwt, { prefix: `/auth/${name}`, stateSecret }),
    OAuthRouter.make(Users, client, backends.cookie, { prefix: `/auth/${name}-cookie`, stateSecret }),
    OAuthRouter.associate(Users, client, { prefix: `/auth/associate/${name}`, stateSecret })
  )

/** The OAuth routers' api. */
export type OAuthApi = ReturnType<typeof makeApi>

/**
 * The OAuth routes when the environment configures a provider, else nothing; `serve` is the application's
 * `HttpApiBuilder.layer(api)` with its builder's `Users.layer(api)`.
 */
export const layer = <E, R>(
  Users: {
    readonly extension: RouterExtension.Builder
    readonly openApiAnnotations: FastApiUsers.FastApiUsers<[]>["openApiAnnotations"]
  },
  backends: { readonly jwt: Backend; readonly cookie: Backend },
  secret: Redacted.Redacted<string>,
  serve: (api: OAuthApi) => Layer.Layer<never, E, R>
) =>
  Layer.unwrap(Effect.gen(function*() {
    const config = yield* OAuthConfig
    if (Option.isNone(config.issuer) || Option.isNone(config.clientId) || Option.isNone(config.clientSecret)) {
      return Layer.empty
    }
    const client = yield* OpenIdClient.make({
      name: config.name,
      issuer: config.issuer.value,
      clientId: config.clientId.value,
      clientSecret: config.clientSecret.value,
      allowInsecureRequests: config.allowHttp
    })
    const stateSecret = Option.getOrElse(config.stateSecret, () => secret)
    const api = makeApi(Users, client, backends, config.name, stateSecret).annotateMerge(
      Users.openApiAnnotations({ title: "effect-users example: OAuth", version: "0.0.0" })
    )
    yield* Effect.logInfo(
      `OAuth: ${config.name} at ${config.issuer.value} on /auth/${config.name}, /auth/associate/${config.name}`
    )
    return serve(api)
  })).pipe(Layer.provide(FetchHttpClient.layer))
