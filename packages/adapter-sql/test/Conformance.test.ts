import * as AccessTokenRepositoryConformance from "@effect-users/testing/AccessTokenRepositoryConformance"
import * as UserRepositoryConformance from "@effect-users/testing/UserRepositoryConformance"
import { integerModel, integerModelColumns, layerEmbedded, layerRepositories } from "./utils.ts"

const customFields = { nickname: "ada", age: null }

UserRepositoryConformance.suite("SqlUserRepository on the embedded PGlite", layerRepositories(layerEmbedded))

UserRepositoryConformance.suite(
  "SqlUserRepository on the embedded PGlite, integer ids and custom fields",
  layerRepositories(layerEmbedded, integerModel, integerModelColumns),
  { customFields }
)

UserRepositoryConformance.suiteCustomFields(
  "SqlUserRepository on the embedded PGlite, custom fields",
  layerRepositories(layerEmbedded, integerModel, integerModelColumns),
  { create: customFields, update: { nickname: "lovelace", age: 36 } }
)

AccessTokenRepositoryConformance.suite(
  "SqlAccessTokenRepository on the embedded PGlite",
  layerRepositories(layerEmbedded)
)

AccessTokenRepositoryConformance.suite(
  "SqlAccessTokenRepository on the embedded PGlite, integer ids",
  layerRepositories(layerEmbedded, integerModel, integerModelColumns),
  { customFields }
)
