// Generates the API reference (docs/api, or the directory given as the first argument) from the JSDoc of every public
// module, with TypeDoc and its Markdown plugin. TypeDoc needs a TypeScript that has a compiler API (the workspace's
// TypeScript 7 has none), so it has its own install here, made on first use from package-lock.json.
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { join, resolve } from "node:path"

const here = new URL(".", import.meta.url).pathname
const out = resolve(process.argv[2] ?? join(here, "../../docs/api"))
const lock = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8"))
const wanted = lock.packages["node_modules/typedoc"].version
const installed = join(here, "node_modules/typedoc/package.json")
if (!existsSync(installed) || JSON.parse(readFileSync(installed, "utf8")).version !== wanted) {
  execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: here, stdio: "inherit" })
}
rmSync(out, { recursive: true, force: true })
execFileSync(
  process.execPath,
  [
    join(here, "node_modules/typedoc/bin/typedoc"),
    "--options",
    join(here, "typedoc.json"),
    "--out",
    out,
    "--logLevel",
    "Warn"
  ],
  { cwd: here, stdio: "inherit" }
)
