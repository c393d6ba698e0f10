import { mkdir, readFile, rename, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { homedir } from "node:os"
import { dirname, join } from "node:path"

// An in-memory PGlite runs initdb at every start (about 2 of its 3 seconds). A freshly initialised cluster is the
// same for one PGlite version, so it is dumped once into the user's cache and loaded from there afterwards. Only the
// pristine cluster is cached (never an application's data), and a missing, unreadable or rejected file just means
// initdb runs again.

/** The default cache directory: `$XDG_CACHE_HOME/effect-users`, else `~/.cache/effect-users`. */
export const defaultDirectory = (): string =>
  join(process.env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"), "effect-users")

const pgliteVersion = async (): Promise<string> => {
  // the package's exports list no package.json: it sits above the resolved entry point (dist/index.js)
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite")
  const manifest: unknown = JSON.parse(await readFile(join(dirname(entry), "..", "package.json"), "utf8"))
  const version = typeof manifest === "object" && manifest !== null && "version" in manifest ? manifest.version : ""
  return typeof version === "string" && /^[\w.+-]+$/u.test(version) ? version : "unknown"
}

/** The template file of the installed PGlite in `directory`. */
export const path = async (directory: string): Promise<string> =>
  join(directory, `pglite-${await pgliteVersion()}-initdb.tar`)

/** The cached template, if any. */
export const read = (file: string): Promise<Blob | undefined> =>
  readFile(file).then((bytes) => new Blob([bytes]), () => undefined)

/** Caches a template, atomically (a concurrent reader sees the old file or the whole new one); failures ignored. */
export const write = async (file: string, template: Blob): Promise<void> => {
  try {
    await mkdir(dirname(file), { recursive: true })
    const partial = `${file}.${process.pid}.partial`
    await writeFile(partial, new Uint8Array(await template.arrayBuffer()))
    await rename(partial, file)
  } catch {
    // a read-only or full cache directory only costs the next start its initdb
  }
}
