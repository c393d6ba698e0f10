import { isIPv4, isIPv6 } from "node:net"

// the eight 16-bit groups of an IPv6 address (an embedded IPv4 tail counts as two), or undefined
const groupsOf = (address: string): Array<number> | undefined => {
  const halves = address.split("::")
  if (halves.length > 2) return undefined
  const parse = (part: string): Array<number> | undefined => {
    if (part === "") return []
    const out: Array<number> = []
    for (const piece of part.split(":")) {
      if (piece.includes(".")) {
        if (!isIPv4(piece)) return undefined
        const [a, b, c, d] = piece.split(".").map(Number)
        out.push((a << 8) | b, (c << 8) | d)
      } else {
        const value = Number.parseInt(piece, 16)
        if (!/^[0-9a-f]{1,4}$/iu.test(piece)) return undefined
        out.push(value)
      }
    }
    return out
  }
  const head = parse(halves[0])
  const tail = halves.length === 2 ? parse(halves[1]) : []
  if (head === undefined || tail === undefined) return undefined
  if (halves.length === 1) return head.length === 8 ? head : undefined
  const missing = 8 - head.length - tail.length
  return missing < 1 ? undefined : [...head, ...Array<number>(missing).fill(0), ...tail]
}

/**
 * The key an address is counted under: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /64 — one subscriber usually
 * holds a whole /64, so counting single addresses would let them rotate through 2^64 of them.
 */
export const addressKey = (raw: string): string => {
  const address = raw.trim().toLowerCase().replace(/^\[(.*)\]$/u, "$1").replace(/%.*$/u, "")
  if (isIPv4(address)) return address
  if (!isIPv6(address)) return address
  const groups = groupsOf(address)
  if (groups === undefined) return address
  // ::ffff:a.b.c.d is an IPv4 client on a dual-stack socket
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join(".")
  }
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(":")}::/64`
}
