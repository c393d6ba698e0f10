#!/usr/bin/env node
// The `effect-users` executable (package.json `bin`): runs the CLI with this package's version. Node's compile cache
// is switched on first (the CLI then loads in a fraction of the time on the next runs), so the CLI is imported after.
import { createRequire, enableCompileCache } from "node:module"

enableCompileCache()
const { version } = createRequire(import.meta.url)("../../package.json") as { readonly version: string }
const { main } = await import("../Cli.ts")
await main(version)
