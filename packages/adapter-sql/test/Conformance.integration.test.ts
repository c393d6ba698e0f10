import * as AccessTokenRepositoryConformance from "@effect-users/testing/AccessTokenRepositoryConformance"
import * as UserRepositoryConformance from "@effect-users/testing/UserRepositoryConformance"
import { integerModel, integerModelColumns, layerPostgres, layerRepositories } from "./utils.ts"

const customFields = { nickname: "ada", age: null }

UserRepositoryConformance.suite("SqlUserRepository on PostgreSQL", layerRepositories(layerPostgres()))

UserRepositoryConformance.suite(
  "SqlUserRepository on PostgreSQL, integer ids and custom fields",
  layerRepositories(layerPostgres(), integerModel, integerModelColumns),
  { customFields }
)

UserRepositoryConformance.suiteCustomFields(
  "SqlUserRepository on PostgreSQL, custom fields",
  layerRepositories(layerPostgres(), integerModel, integerModelColumns),
  { create: customFields, update: { nickname: "lovelace", age: 36 } }
)

AccessTokenRepositoryConformance.suite(
  "SqlAccessTokenRepository on PostgreSQL",
  layerRepositories(layerPostgres())
)

AccessTokenRepositoryConformance.suite(
  "SqlAccessTokenRepository on PostgreSQL, integer ids",
  layerRepositories(layerPostgres(), integerModel, integerModelColumns),
  { customFields }
)
