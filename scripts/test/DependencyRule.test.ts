import { execFileSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
const oxlint = join(root, "node_modules", ".bin", "oxlint")
const sandbox = mkdtempSync(join(tmpdir(), "effect-users-boundary-"))
copyFileSync(join(root, ".oxlintrc.json"), join(sandbox, ".oxlintrc.json"))
afterAll(() => rmSync(sandbox, { recursive: true, force: true }))

/** Lints one fixture placed at `path` inside a copy of the workspace layout, with the project's own config. */
const lint = (fixture: string, path: string): { ok: boolean; output: string } => {
  const target = join(sandbox, path)
  mkdirSync(dirname(target), { recursive: true })
  copyFileSync(join(root, "scripts", "fixtures", "boundary", fixture), target)
  try {
    const output = execFileSync(oxlint, ["-c", ".oxlintrc.json", "--deny-warnings", path], {
      cwd: sandbox,
      encoding: "utf8"
    })
    return { ok: true, output }
  } catch (error) {
    const { stdout = "" } = error as { stdout?: string }
    return { ok: false, output: stdout }
  } finally {
    rmSync(target)
  }
}

describe("the dependency rule (oxlint no-restricted-imports, .oxlintrc.json)", () => {
  it("rejects a driver and a sibling package imported by core", () => {
    const result = lint("forbidden-core.ts", "packages/core/src/Forbidden.ts")
    expect(result.ok).toBe(false)
    expect(result.output).toContain("@effect/sql-pg")
    expect(result.output).toContain("@effect-users/transport-http")
    expect(result.output).toContain("core imports no package of ours and no driver")
  })

  it("rejects another adapter's driver and a sibling package imported by an adapter", () => {
    const result = lint("forbidden-adapter.ts", "packages/adapter-sql/src/Forbidden.ts")
    expect(result.ok).toBe(false)
    expect(result.output).toContain("ioredis")
    expect(result.output).toContain("@effect-users/strategy-jwt")
  })

  it("accepts an adapter importing core and its own driver", () => {
    const result = lint("allowed-adapter.ts", "packages/adapter-sql/src/Allowed.ts")
    expect(result.output).not.toContain("no-restricted-imports")
    expect(result.ok).toBe(true)
  })

  it("applies to examples/ not at all: only examples compose everything", () => {
    const result = lint("forbidden-core.ts", "examples/server/src/Main.ts")
    expect(result.ok).toBe(true)
  })
})
