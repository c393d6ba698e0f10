// Fails loudly when an npm script runs on a Node.js other than the pinned major version.
// `npm ci --ignore-scripts` skips the `node` package's install script, which leaves the machine's own Node in charge.
import { readFileSync } from "node:fs"

const pinned = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).devDependencies.node
const wanted = pinned.split(".")[0]
const actual = process.versions.node.split(".")[0]
if (actual !== wanted) {
  process.stderr.write(
    `\neffect-users: this script must run on Node.js ${wanted} (pinned: node@${pinned}), but it runs on ${process.versions.node}` +
      ` (${process.execPath}).\n` +
      `The pinned Node.js is installed by the \`node\` devDependency's install script; it was probably skipped` +
      ` (npm ci --ignore-scripts, or ignore-scripts=true in an .npmrc).\n` +
      `Fix: run \`npm rebuild node\` (or \`npm ci\` without --ignore-scripts), then try again.\n\n`
  )
  process.exit(1)
}
