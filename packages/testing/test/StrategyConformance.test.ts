import * as User from "@effect-users/core/User"
import * as UserRepository from "@effect-users/core/UserRepository"
import * as StrategyConformance from "@effect-users/testing/StrategyConformance"
import { Layer } from "effect"
import { customFields, layerIntegerModel } from "./models.ts"
import { layerOpaque, layerSigned } from "./strategies.ts"

const withMemoryUsers = <E>(
  strategy: Layer.Layer<StrategyConformance.StrategyUnderTest, E, UserRepository.UserRepository | User.UserModel>,
  model: Layer.Layer<User.UserModel> = User.layerDefaultModel
) => strategy.pipe(Layer.provideMerge(UserRepository.layerMemory), Layer.provideMerge(model))

StrategyConformance.suite("opaque memory strategy, TestClock", withMemoryUsers(layerOpaque("1 hour")), {
  lifetime: "1 hour",
  expiry: "TestClock",
  revocable: true
})

StrategyConformance.suite(
  "opaque memory strategy, integer ids and custom fields",
  withMemoryUsers(layerOpaque("90 seconds"), layerIntegerModel),
  { lifetime: "90 seconds", expiry: "TestClock", revocable: true, customFields }
)

StrategyConformance.suite("opaque memory strategy, real time", withMemoryUsers(layerOpaque("1 second")), {
  lifetime: "1 second",
  expiry: "real",
  revocable: true
})

StrategyConformance.suite("signed stateless strategy (not revocable)", withMemoryUsers(layerSigned("15 minutes")), {
  lifetime: "15 minutes",
  expiry: "TestClock",
  revocable: false
})

StrategyConformance.suite("signed stateless strategy, 1 s lifetime", withMemoryUsers(layerSigned("1 second")), {
  lifetime: "1 second",
  expiry: "TestClock",
  revocable: false
})
