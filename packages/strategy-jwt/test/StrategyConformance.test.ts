import * as UserModel from "@effect-users/core/User"
import * as UserRepository from "@effect-users/core/UserRepository"
import * as JwtKeySet from "@effect-users/strategy-jwt/JwtKeySet"
import * as JwtStrategy from "@effect-users/strategy-jwt/JwtStrategy"
import * as StrategyConformance from "@effect-users/testing/StrategyConformance"
import { Effect, Layer, Redacted } from "effect"

const stores = Layer.provideMerge(UserRepository.layerMemory, UserModel.layerDefaultModel)

StrategyConformance.suite(
  "JwtStrategy HS256 (node:crypto) on core's memory store",
  Layer.effect(
    StrategyConformance.StrategyUnderTest,
    JwtStrategy.make({ secret: Redacted.make("a-conformance-secret-0123456789abcdef"), lifetime: "1 hour" })
  ).pipe(Layer.provideMerge(stores)),
  { lifetime: "1 hour", expiry: "TestClock", revocable: false }
)

for (const algorithm of ["RS256", "ES256", "EdDSA"] as const) {
  StrategyConformance.suite(
    `JwtStrategy ${algorithm} (jose) on core's memory store`,
    Layer.effect(
      StrategyConformance.StrategyUnderTest,
      Effect.gen(function*() {
        const { privateKey } = yield* JwtKeySet.generatePem(algorithm)
        const keys = yield* JwtKeySet.make({ algorithm, signing: { privateKey } })
        return yield* JwtStrategy.make({ keys, lifetime: "1 hour" })
      })
    ).pipe(Layer.provideMerge(stores)),
    { lifetime: "1 hour", expiry: "TestClock", revocable: false }
  )
}
