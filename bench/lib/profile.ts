/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): the share of the sampled time per function (self time) and per
 * package (the `node_modules/<package>` or workspace package a function's file belongs to), busiest first.
 *
 * `node bench/lib/profile.ts <file.cpuprofile> [top]`, or `summarise(file)` from a scenario.
 */
import { readFileSync } from "node:fs"

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: ReadonlyArray<number>
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** Where a function's file belongs: a package, node's internals, or the engine (GC, idle, program). */
const owner = (url: string, name: string): string => {
  if (url === "") return name.startsWith("(") ? name : "(native)"
  const modules = url.lastIndexOf("node_modules/")
  if (modules >= 0) {
    const rest = url.slice(modules + "node_modules/".length).split("/")
    return rest[0]?.startsWith("@") === true ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url)
  }
  const workspace = /\/(packages|examples)\/([^/]+)\//.exec(url)
  if (workspace !== null) return `${workspace[1]}/${workspace[2]}`
  if (url.startsWith("node:")) return "node:internal"
  return url
}

export interface Share {
  readonly name: string
  readonly percent: number
}

/** Self-time shares per function and per package, excluding `(idle)`, in percent of the busy samples. */
export const summarise = (file: string, top = 25): { functions: Array<Share>; packages: Array<Share> } => {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<number, number>()
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  const functions = new Map<string, number>()
  const packages = new Map<string, number>()
  let busy = 0
  for (const [id, time] of self) {
    const frame = byId.get(id)?.callFrame
    if (frame === undefined || frame.functionName === "(idle)") continue
    busy += time
    const where = owner(frame.url, frame.functionName)
    const fn = `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}`
    functions.set(fn, (functions.get(fn) ?? 0) + time)
    packages.set(where, (packages.get(where) ?? 0) + time)
  }
  const shares = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, time]) => ({ name, percent: (100 * time) / busy }))
  return { functions: shares(functions), packages: shares(packages) }
}

if (import.meta.main) {
  const [file, top] = process.argv.slice(2)
  if (file === undefined) throw new Error("usage: node bench/lib/profile.ts <file.cpuprofile> [top]")
  const { functions, packages } = summarise(file, Number(top ?? 25))
  for (const share of packages) process.stdout.write(`${share.percent.toFixed(1).padStart(5)}%  ${share.name}\n`)
  process.stdout.write("\n")
  for (const share of functions) process.stdout.write(`${share.percent.toFixed(1).padStart(5)}%  ${share.name}\n`)
}
