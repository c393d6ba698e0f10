import * as User from "@effect-users/core/User"
import * as UserRepository from "@effect-users/core/UserRepository"
import * as UserRepositoryConformance from "@effect-users/testing/UserRepositoryConformance"
import { Layer } from "effect"
import { customFields, layerIntegerModel } from "./models.ts"

UserRepositoryConformance.suite(
  "UserRepository.layerMemory, default model",
  UserRepository.layerMemory.pipe(Layer.provideMerge(User.layerDefaultModel))
)

const integerLayer = UserRepository.layerMemory.pipe(Layer.provideMerge(layerIntegerModel))

UserRepositoryConformance.suite("UserRepository.layerMemory, integer ids and custom fields", integerLayer, {
  customFields
})

UserRepositoryConformance.suiteCustomFields("UserRepository.layerMemory, custom fields", integerLayer, {
  create: customFields,
  update: { nickname: "lovelace", age: 36 }
})
