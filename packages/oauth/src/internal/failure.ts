// Maps what oauth4webapi throws (and the fetch bridge and the resource reader reject with) to the port's error
// reasons: the one rule every client of this package follows.
import * as oauth from "oauth4webapi"
import { InvalidResponse, type OAuthProviderErrorReason, ProviderError, Unreachable } from "../OAuthClient.ts"
import { ConnectionFailure } from "./fetch.ts"

/** A protected resource (a profile or e-mail endpoint) answered with a status other than 2xx and no challenge. */
export class ResourceFailure extends Error {
  readonly status: number
  readonly error: string
  readonly description: string | null
  constructor(status: number, error: string, description: string | null) {
    super(`HTTP ${status}: ${error}`)
    this.name = "ResourceFailure"
    this.status = status
    this.error = error
    this.description = description
  }
}

const fieldOf = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null && key in value ? Reflect.get(value, key) : undefined

/** The string at `key` of a JSON object, if any. */
export const stringField = (value: unknown, key: string): string | undefined => {
  const field = fieldOf(value, key)
  return typeof field === "string" ? field : undefined
}

/** The reason of a failed `operation`. */
export const reasonOf = (operation: string, cause: unknown): OAuthProviderErrorReason => {
  if (cause instanceof ConnectionFailure) return new Unreachable({ operation, cause })
  if (cause instanceof oauth.ResponseBodyError) {
    return new ProviderError({
      operation,
      error: cause.error,
      description: cause.error_description ?? null,
      status: cause.status
    })
  }
  if (cause instanceof oauth.AuthorizationResponseError) {
    return new ProviderError({
      operation,
      error: cause.error,
      description: cause.error_description ?? null,
      status: null
    })
  }
  if (cause instanceof oauth.WWWAuthenticateChallengeError) {
    const challenge = cause.cause.find((c) => c.parameters.error !== undefined) ?? cause.cause[0]
    return new ProviderError({
      operation,
      error: challenge?.parameters.error ?? challenge?.scheme ?? "unknown",
      description: challenge?.parameters.error_description ?? null,
      status: cause.status
    })
  }
  if (cause instanceof ResourceFailure) {
    return new ProviderError({ operation, error: cause.error, description: cause.description, status: cause.status })
  }
  // Some providers (GitHub, Reddit) report a failed code exchange as a 200 answer whose body is an OAuth error:
  // oauth4webapi refuses it for its missing access_token; the provider did report an error.
  if (cause instanceof oauth.OperationProcessingError) {
    const body = fieldOf(cause.cause, "body")
    const error = stringField(body, "error")
    if (error !== undefined) {
      return new ProviderError({
        operation,
        error,
        description: stringField(body, "error_description") ?? null,
        status: null
      })
    }
  }
  return new InvalidResponse({ operation, cause })
}
