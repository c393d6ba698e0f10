// Maps what oauth4webapi throws (and the fetch bridge rejects with) to the port's error reasons.
import * as oauth from "oauth4webapi"
import { InvalidResponse, type OAuthProviderErrorReason, ProviderError, Unreachable } from "../OAuthClient.ts"
import { ConnectionFailure } from "./fetch.ts"

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
  return new InvalidResponse({ operation, cause })
}
