import * as AccessTokenRepositoryConformance from "@effect-users/testing/AccessTokenRepositoryConformance"
import * as UserRepositoryConformance from "@effect-users/testing/UserRepositoryConformance"
import { integerModel, layerMongo, layerRepositories, objectIdModel } from "./utils.ts"

const customFields = { nickname: "ada", age: null }

UserRepositoryConformance.suite("MongoUserRepository on FerretDB, uuid ids", layerRepositories())

UserRepositoryConformance.suite(
  "MongoUserRepository on FerretDB, ObjectId ids",
  layerRepositories(layerMongo(), objectIdModel, { user: "Member", oauthAccountLink: "MemberLink" })
)

UserRepositoryConformance.suite(
  "MongoUserRepository on FerretDB, integer ids and custom fields",
  layerRepositories(layerMongo(), integerModel),
  { customFields }
)

UserRepositoryConformance.suiteCustomFields(
  "MongoUserRepository on FerretDB, custom fields",
  layerRepositories(layerMongo(), integerModel),
  { create: customFields, update: { nickname: "lovelace", age: 36 } }
)

AccessTokenRepositoryConformance.suite("MongoAccessTokenRepository on FerretDB, uuid ids", layerRepositories())

AccessTokenRepositoryConformance.suite(
  "MongoAccessTokenRepository on FerretDB, ObjectId ids",
  layerRepositories(layerMongo(), objectIdModel, { accessToken: "Session" })
)
