#!/usr/bin/env node
// The `effect-users` executable (package.json `bin`): runs the CLI with this package's version.
import { createRequire } from "node:module"
import { main } from "../Cli.ts"

const { version } = createRequire(import.meta.url)("../../package.json") as { readonly version: string }
await main(version)
