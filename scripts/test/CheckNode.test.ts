import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
const script = join(root, "scripts", "check-node.mjs")

describe("scripts/check-node.mjs", () => {
  it("passes on the pinned Node.js major version", () => {
    const result = spawnSync(process.execPath, [script], { encoding: "utf8" })
    expect(process.versions.node.split(".")[0]).toBe("24")
    expect(result.status).toBe(0)
  })

  // The machine's own Node.js (20 on this machine kind) is what npm scripts would run on had the `node` package's
  // install script been skipped: the check must refuse it and name the fix.
  it("refuses the machine's own Node.js and names the fix", () => {
    const systemNode = ["/usr/bin/node", "/usr/local/bin/node"].find((path) => existsSync(path))
    expect(systemNode, "no system Node.js found to run the check with").toBeDefined()
    const major = spawnSync(systemNode as string, ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" })
    expect(major.stdout.trim()).not.toBe("24")
    const result = spawnSync(systemNode as string, [script], { encoding: "utf8" })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain("must run on Node.js 24")
    expect(result.stderr).toContain("npm rebuild node")
  })
})
