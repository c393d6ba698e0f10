import { defineConfig } from "vitest/config"
import base from "./vitest.config.ts"

// `npm run test:reliability`: the longer runs of the reliability suite (races in rounds; later outages, fuzzing,
// timing), kept out of `npm test`. They live beside each package's tests as `test/reliability/*.reliability.ts`.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["packages/*/test/reliability/**/*.reliability.ts", "examples/*/test/reliability/**/*.reliability.ts"],
    testTimeout: 300_000,
    fileParallelism: false
  }
})
