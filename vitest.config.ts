import { defineConfig } from "vitest/config"

// The workspace runs its packages from their TypeScript sources: their `exports` list the `@effect-users/source`
// condition before `dist` (docs/architecture.md). Vite resolves with it here; processes the tests start (the example
// server, scripts) get it through NODE_OPTIONS.
const source = "@effect-users/source"
const nodeOptions = process.env.NODE_OPTIONS ?? ""
// Vite's default server conditions, which a `conditions` list replaces.
const serverConditions = ["module", "node", "development|production"]

export default defineConfig({
  resolve: { conditions: [source] },
  ssr: { resolve: { conditions: [source, ...serverConditions], externalConditions: [source] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "scripts/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default"],
    pool: "forks",
    env: {
      NODE_OPTIONS: nodeOptions.includes(`--conditions=${source}`)
        ? nodeOptions
        : `${nodeOptions} --conditions=${source}`.trim()
    }
  }
})
