import { layer } from "@effect/vitest"
import { repositoryChecks } from "./checks.ts"
import { layerPostgres, layerRepositories } from "./utils.ts"

layer(layerRepositories(layerPostgres()), { excludeTestServices: true, timeout: "60 seconds" })(
  "SQL repositories on PostgreSQL",
  (it) => repositoryChecks(it)
)
