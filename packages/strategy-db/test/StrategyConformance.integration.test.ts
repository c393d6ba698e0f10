import * as DbStrategy from "@effect-users/strategy-db/DbStrategy"
import * as StrategyConformance from "@effect-users/testing/StrategyConformance"
import { Layer } from "effect"
import { layerPostgres } from "./utils.ts"

StrategyConformance.suite(
  "DbStrategy on PostgreSQL (adapter-sql)",
  Layer.effect(StrategyConformance.StrategyUnderTest, DbStrategy.make({ lifetime: "1 hour" })).pipe(
    Layer.provideMerge(layerPostgres)
  ),
  { lifetime: "1 hour", expiry: "TestClock", revocable: true }
)
