import * as AccessTokenRepository from "@effect-users/core/AccessTokenRepository"
import * as UserModel from "@effect-users/core/User"
import * as UserRepository from "@effect-users/core/UserRepository"
import * as DbStrategy from "@effect-users/strategy-db/DbStrategy"
import * as StrategyConformance from "@effect-users/testing/StrategyConformance"
import { Layer } from "effect"

StrategyConformance.suite(
  "DbStrategy on core's memory stores",
  Layer.effect(StrategyConformance.StrategyUnderTest, DbStrategy.make({ lifetime: "1 hour" })).pipe(
    Layer.provideMerge(Layer.mergeAll(AccessTokenRepository.layerMemory, UserRepository.layerMemory)),
    Layer.provideMerge(UserModel.layerDefaultModel)
  ),
  { lifetime: "1 hour", expiry: "TestClock", revocable: true }
)
