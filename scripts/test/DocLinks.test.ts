/**
 * The documentation stands on its own: every relative link of the READMEs and of docs/ (the generated API reference
 * included) points at a file of this repository that exists, and no page refers to the design sheets the project
 * was started from, which are not part of it — nor does any source, test or script file.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { assert, it } from "vitest"
import { excluded } from "./Snippets.ts"

const root = resolve(new URL("../..", import.meta.url).pathname)

const pages = (): Array<string> => {
  const docs = readdirSync(join(root, "docs"), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".md"))
    .map((file) => `docs/${file}`)
  const readmes = [...readdirSync(join(root, "packages")), "../examples/server"]
    .map((dir) => relative(root, join(root, "packages", dir, "README.md")))
  return ["README.md", ".changeset/README.md", ...docs, ...readmes].filter((file) => existsSync(join(root, file)))
}

it("every relative link resolves to a file of the repository", () => {
  const broken: Array<string> = []
  for (const page of pages()) {
    const text = readFileSync(join(root, page), "utf8")
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = (match[1] ?? "").split("#")[0] ?? ""
      if (target === "" || /^[a-z]+:/.test(target)) continue
      const path = resolve(dirname(join(root, page)), decodeURIComponent(target))
      if (!path.startsWith(`${root}/`) || !existsSync(path)) broken.push(`${page}: ${match[1]}`)
    }
  }
  assert.deepStrictEqual(broken, [])
})

it("no page refers to files outside the repository", () => {
  const outside = /\.\.\/shared|FASTAPI_USERS\.md|DESIGN\.md|CONVENTIONS\.md|EFFECT4\.md/
  const found = pages().filter((page) => !excluded.has(page) && outside.test(readFileSync(join(root, page), "utf8")))
  assert.deepStrictEqual(found, [])
})

it("no source, test or script file refers to files outside the repository", () => {
  // every tracked file but this one (it names the pattern) and the lockfile
  const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" }).split("\0")
    .filter((file) => file !== "" && file !== "scripts/test/DocLinks.test.ts" && file !== "package-lock.json")
    .filter((file) => /\.(ts|mts|mjs|js|py|sh|lua|json|sql)$/.test(file))
  const outside = /\.\.\/shared|FASTAPI_USERS\.md|DESIGN\.md|CONVENTIONS\.md|EFFECT4\.md/
  const found = tracked.filter((file) =>
    existsSync(join(root, file)) && outside.test(readFileSync(join(root, file), "utf8"))
  )
  assert.deepStrictEqual(found, [])
})
