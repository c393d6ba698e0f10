/**
 * The API reference in docs/api is generated from the JSDoc (scripts/apidoc, TypeDoc): regenerated here and compared
 * file by file, so a changed signature or comment fails until `npm run docs:api` is run and its output committed.
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, it } from "vitest"

const root = new URL("../..", import.meta.url).pathname
const out = mkdtempSync(join(tmpdir(), "effect-users-apidoc-"))
afterAll(() => rmSync(out, { recursive: true, force: true }))

const files = (dir: string): Array<string> =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort()

it("docs/api is what `npm run docs:api` generates from the sources", { timeout: 300_000 }, () => {
  execFileSync(process.execPath, [join(root, "scripts/apidoc/generate.mjs"), out], { stdio: "pipe" })
  const committed = join(root, "docs/api")
  const expected = files(out)
  assert.isAbove(expected.length, 20)
  assert.deepStrictEqual(files(committed), expected, "docs/api is stale: run `npm run docs:api`")
  for (const file of expected) {
    assert.strictEqual(
      readFileSync(join(committed, file), "utf8"),
      readFileSync(join(out, file), "utf8"),
      `docs/api/${file} is stale: run \`npm run docs:api\``
    )
  }
})
