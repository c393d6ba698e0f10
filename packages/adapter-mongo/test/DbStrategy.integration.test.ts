import * as DbStrategy from "@effect-users/strategy-db/DbStrategy"
import * as StrategyConformance from "@effect-users/testing/StrategyConformance"
import { Layer } from "effect"
import { layerMongo, layerRepositories, objectIdModel } from "./utils.ts"

StrategyConformance.suite(
  "DbStrategy on FerretDB (MongoAccessTokenRepository)",
  Layer.effect(StrategyConformance.StrategyUnderTest, DbStrategy.make({ lifetime: "1 hour" })).pipe(
    Layer.provideMerge(layerRepositories())
  ),
  { lifetime: "1 hour", expiry: "TestClock", revocable: true }
)

StrategyConformance.suite(
  "DbStrategy on FerretDB (MongoAccessTokenRepository), ObjectId ids",
  Layer.effect(StrategyConformance.StrategyUnderTest, DbStrategy.make({ lifetime: "1 hour" })).pipe(
    Layer.provideMerge(layerRepositories(layerMongo(), objectIdModel))
  ),
  { lifetime: "1 hour", expiry: "TestClock", revocable: true }
)
