import { layer } from "@effect/vitest"
import { repositoryChecks } from "./checks.ts"
import { layerEmbedded, layerRepositories } from "./utils.ts"

layer(layerRepositories(layerEmbedded), { excludeTestServices: true, timeout: "60 seconds" })(
  "SQL repositories on the embedded PGlite",
  (it) => repositoryChecks(it)
)
