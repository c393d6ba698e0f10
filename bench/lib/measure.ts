/**
 * Interleaved measurement: every entry loaded once per round, the order rotating each round, so that the machine's
 * drifting load hits every entry alike; a warm-up run first.
 */
import { timing } from "./config.ts"
import { log } from "./proc.ts"
import { fmt } from "./stats.ts"
import { load, type LoadOptions, type RequestSpec, type Sample } from "./wrk.ts"

export interface Entry {
  readonly name: string
  readonly url: string
  readonly spec: RequestSpec
  readonly connections: number
  readonly cpus?: string | undefined
}

export const describe = (sample: Sample) =>
  `${fmt(sample.rps, 0).padStart(7)} req/s  p50 ${fmt(sample.p50)} ms  p99 ${fmt(sample.p99)} ms${
    sample.errors + sample.failed > 0 ? `  errors ${sample.errors}, status ≥ 400 ${sample.failed}` : ""
  }`

export const once = (entry: Entry, seconds: number, extra: Partial<LoadOptions> = {}) =>
  load(entry.url, entry.spec, { connections: entry.connections, seconds, cpus: entry.cpus, ...extra })

export const interleaved = async (
  entries: ReadonlyArray<Entry>,
  rounds = timing.rounds,
  seconds = timing.seconds
): Promise<Map<string, Array<Sample>>> => {
  for (const entry of entries) await once(entry, timing.warmup)
  const samples = new Map<string, Array<Sample>>(entries.map((e) => [e.name, []]))
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[(i + round) % entries.length]
      if (entry === undefined) continue
      const sample = await once(entry, seconds)
      samples.get(entry.name)?.push(sample)
      log(`  round ${round + 1} ${entry.name.padEnd(22)} ${describe(sample)}`)
    }
  }
  return samples
}
