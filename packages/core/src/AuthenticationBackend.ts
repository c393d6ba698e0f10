/**
 * An authentication backend: a name, a transport and a strategy (FastAPI Users' `AuthenticationBackend`).
 *
 * @since 0.0.0
 */
import type { Strategy } from "./Strategy.ts"
import type { Transport } from "./Transport.ts"

/**
 * A named pair of a transport and a strategy; backends are tried in order and the first that yields a user wins.
 *
 * @since 0.0.0
 * @category models
 */
export interface AuthenticationBackend<Carrier, Response> {
  readonly name: string
  readonly transport: Transport<Carrier, Response>
  readonly strategy: Strategy
}

/**
 * Builds a backend.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = <Carrier, Response>(
  name: string,
  transport: Transport<Carrier, Response>,
  strategy: Strategy
): AuthenticationBackend<Carrier, Response> => ({ name, transport, strategy })
