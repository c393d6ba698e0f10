import * as AccessTokenRepository from "@effect-users/core/AccessTokenRepository"
import * as User from "@effect-users/core/User"
import * as UserRepository from "@effect-users/core/UserRepository"
import * as AccessTokenRepositoryConformance from "@effect-users/testing/AccessTokenRepositoryConformance"
import { Layer } from "effect"
import { customFields, layerIntegerModel } from "./models.ts"

const memory = Layer.mergeAll(AccessTokenRepository.layerMemory, UserRepository.layerMemory)

AccessTokenRepositoryConformance.suite(
  "AccessTokenRepository.layerMemory, default model",
  memory.pipe(Layer.provideMerge(User.layerDefaultModel))
)

AccessTokenRepositoryConformance.suite(
  "AccessTokenRepository.layerMemory, integer ids",
  memory.pipe(Layer.provideMerge(layerIntegerModel)),
  { customFields }
)
