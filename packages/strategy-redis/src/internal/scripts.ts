import type { Redis } from "ioredis"
import { createHash } from "node:crypto"

/** A Lua script run with `EVALSHA`, falling back to `EVAL` when the server does not have it cached. */
export interface Script {
  readonly lua: string
  readonly sha: string
}

const script = (lua: string): Script => ({ lua, sha: createHash("sha1").update(lua).digest("hex") })

/**
 * Lua fragment: the current server time in milliseconds (`TIME`, so index scores and key TTLs share Redis' clock),
 * and a function that sets the index's own expiry to its latest member's (no expiry when a member never expires).
 */
const prelude = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function index(key, member, expiresAt)
  redis.call('ZADD', key, expiresAt, member)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. now)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] == nil then return end
  if last[2] == 'inf' then redis.call('PERSIST', key) else redis.call('PEXPIREAT', key, last[2]) end
end
`

/** KEYS: token key, index key. ARGV: user id, digest, lifetime in milliseconds (0: none). */
export const write = script(`${prelude}
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
  index(KEYS[2], ARGV[2], now + ttl)
else
  redis.call('SET', KEYS[1], ARGV[1])
  index(KEYS[2], ARGV[2], 'inf')
end
return 1
`)

/** KEYS: token key, index key. ARGV: digest. */
export const destroy = script(`
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`)

/** KEYS: index key. ARGV: the full token key prefix (the client's `keyPrefix` included). Returns the count. */
export const destroyAll = script(`
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for i = 1, #members, 500 do
  local batch = {}
  for j = i, math.min(i + 499, #members) do batch[#batch + 1] = ARGV[1] .. members[j] end
  redis.call('DEL', unpack(batch))
end
redis.call('DEL', KEYS[1])
return #members
`)

/**
 * KEYS: the FastAPI Users key (prefix + token), the new key (prefix + digest), the user's index key. ARGV: the value
 * read before, the token, the digest. Returns 1 when migrated, 0 when the key changed, expired or is already ours.
 */
export const migrate = script(`${prelude}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('ZSCORE', KEYS[3], ARGV[2]) then return 0 end
local pttl = redis.call('PTTL', KEYS[1])
if pttl == -2 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
if pttl > 0 then index(KEYS[3], ARGV[3], now + pttl) else index(KEYS[3], ARGV[3], 'inf') end
return 1
`)

const isNoScript = (error: unknown): boolean => error instanceof Error && error.message.startsWith("NOSCRIPT")

/** Runs a script by its SHA-1, loading it with `EVAL` on a cache miss. */
export const run = (
  client: Redis,
  s: Script,
  keys: ReadonlyArray<string>,
  args: ReadonlyArray<string | number>
): Promise<unknown> =>
  client.evalsha(s.sha, keys.length, ...keys, ...args).catch((error: unknown) =>
    isNoScript(error) ? client.eval(s.lua, keys.length, ...keys, ...args) : Promise.reject(error)
  )
