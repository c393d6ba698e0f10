import { layer } from "@effect/vitest"
import { layerManager, registrationRace } from "./race.ts"
import { layerEmbedded } from "./utils.ts"

layer(layerManager(layerEmbedded), { excludeTestServices: true, timeout: "60 seconds" })(
  "UserManager on the embedded PGlite",
  (it) => {
    it.effect(
      "200 concurrent registrations of one address in case variants leave exactly one user",
      () => registrationRace,
      120_000
    )
  }
)
