/** The few statistics of the bench: medians, per-round ratios, formatting. */

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** Round by round `a[i] / b[i]`: two servers measured seconds apart, less exposed to the machine's drifting load. */
export const ratios = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): Array<number> =>
  a.map((value, i) => value / (b[i] ?? Number.NaN))

/** A number with `digits` decimals, "—" when not a number. */
export const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : "—")

/** The values of every round, "a / b / c". */
export const perRound = (values: ReadonlyArray<number>, digits = 0): string =>
  values.map((v) => fmt(v, digits)).join(" / ")
