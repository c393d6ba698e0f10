/**
 * The JWT checks shared by every verification path (HS256 through `node:crypto`, RS256/ES256/EdDSA through jose):
 * strict compact parsing, the protected header rules and PyJWT's claim validation. A path
 * only adds its signature check between `parse` and `checkClaims`, so the rules are the same whichever verifies.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import type { KeyObject } from "node:crypto"

const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * Decodes canonical unpadded base64url. Node's decoder skips characters outside the alphabet, padding and stray
 * bits in the last character; requiring the input to be exactly the re-encoding of its bytes rejects all of them
 * (so a signature has one spelling only).
 */
export const decodeSegment = (segment: string): Buffer | undefined => {
  const bytes = Buffer.from(segment, "base64url")
  return bytes.toString("base64url") === segment ? bytes : undefined
}

const parseJsonObject = (segment: string): Record<string, unknown> | undefined => {
  const bytes = decodeSegment(segment)
  if (bytes === undefined) return undefined
  try {
    const value: unknown = JSON.parse(utf8.decode(bytes))
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** A compact JWS split into its parts, with its protected header checked. */
export interface Parsed {
  /** `kid` of the protected header, if any. */
  readonly kid: string | undefined
  /** `<header>.<payload>`, the signed bytes. */
  readonly signingInput: string
  readonly payloadSegment: string
  readonly signature: Buffer
}

const isJwtType = (typ: unknown): boolean =>
  typ === undefined ||
  (typeof typ === "string" && (typ.toUpperCase() === "JWT" || typ.toUpperCase() === "APPLICATION/JWT"))

/** Longer tokens are refused before any parsing (ours are ~150 to ~550 characters; HTTP servers cap headers too). */
export const MAX_TOKEN_LENGTH = 8192

/** The protected header's rules (see `parse`): its `kid` (`undefined` when absent), or `false` when refused. */
const checkHeader = (segment: string, algorithm: string): string | undefined | false => {
  const header = parseJsonObject(segment)
  if (header === undefined) return false
  if (header.alg !== algorithm) return false
  if (!isJwtType(header.typ)) return false
  if (header.crit !== undefined) return false
  if (header.b64 !== undefined && header.b64 !== true) return false
  const kid = header.kid
  if (kid !== undefined && typeof kid !== "string") return false
  return kid
}

/**
 * Splits a compact JWS and checks its protected header: at most `MAX_TOKEN_LENGTH` characters, exactly three canonical base64url segments, a JSON object
 * header whose `alg` is the configured algorithm (so `none` and algorithm confusion never reach a key), `typ` absent
 * or JWT, no `crit` at all (no extension is understood, so none may be critical), no unencoded payload, and a string
 * `kid` if any. The header FastAPI Users and this package write for HS256 (`HS256_HEADER`, byte for byte) passes
 * these rules by construction and is not decoded again (the hot path: every authenticated request).
 */
export const parse = (token: string, algorithm: string): Parsed | undefined => {
  if (token.length > MAX_TOKEN_LENGTH) return undefined
  const first = token.indexOf(".")
  const second = token.indexOf(".", first + 1)
  if (first < 0 || second < 0 || token.indexOf(".", second + 1) >= 0) return undefined
  const headerSegment = token.slice(0, first)
  const kid = algorithm === "HS256" && headerSegment === HS256_HEADER
    ? undefined
    : checkHeader(headerSegment, algorithm)
  if (kid === false) return undefined
  const signature = decodeSegment(token.slice(second + 1))
  if (signature === undefined) return undefined
  return {
    kid,
    signingInput: token.slice(0, second),
    payloadSegment: token.slice(first + 1, second),
    signature
  }
}

/** The claims the strategy reads, after validation. */
export interface Claims {
  readonly sub: string
  readonly payload: Record<string, unknown>
}

// A NumericDate as PyJWT reads it (`int(value)`, truncating); only JSON numbers are accepted.
const numericDate = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : undefined

/**
 * Validates the claims as PyJWT does with FastAPI Users' options (no leeway): `exp` must be after now, `iat` and
 * `nbf` not after now, `aud` (a string or an array of strings) must overlap the configured audience, `sub` must be
 * a string (FastAPI Users treats a missing `sub` as no user), `jti` a string if present.
 */
export const checkClaims = (
  payload: Record<string, unknown>,
  audience: ReadonlyArray<string>,
  nowMillis: number
): Claims | undefined => {
  const now = nowMillis / 1000
  if (payload.iat !== undefined) {
    const iat = numericDate(payload.iat)
    if (iat === undefined || iat > now) return undefined
  }
  if (payload.nbf !== undefined) {
    const nbf = numericDate(payload.nbf)
    if (nbf === undefined || nbf > now) return undefined
  }
  if (payload.exp !== undefined) {
    const exp = numericDate(payload.exp)
    if (exp === undefined || exp <= now) return undefined
  }
  // PyJWT: a missing or empty `aud` fails, a string is a one-element list, anything else but a list of strings fails
  const aud = payload.aud
  const claimed = typeof aud === "string" && aud !== "" ? [aud] : aud
  if (!Array.isArray(claimed) || claimed.some((a) => typeof a !== "string")) return undefined
  if (!audience.some((a) => claimed.includes(a))) return undefined
  const sub = payload.sub
  if (typeof sub !== "string") return undefined
  if (payload.jti !== undefined && typeof payload.jti !== "string") return undefined
  return { sub, payload }
}

/** Parses the payload segment of an already verified token. */
export const parsePayload = parseJsonObject

/**
 * Serialises like Python's `json.dumps(..., separators=(",", ":"))` with `ensure_ascii`: every character outside
 * space..tilde escaped as lower-case `\uXXXX` (astral ones as surrogate pairs), so a token is byte-identical to the one PyJWT produces for the same claims.
 */
export const pythonJson = (value: unknown): string =>
  JSON.stringify(value).replace(/[^ -~]/gu, (c) => {
    let escaped = ""
    for (let i = 0; i < c.length; i++) escaped += `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`
    return escaped
  })

/** Base64url of a JSON value serialised as PyJWT does. */
export const encodeJson = (value: unknown): string => Buffer.from(pythonJson(value), "utf8").toString("base64url")

/** The protected header FastAPI Users writes for HS256 (PyJWT sorts header keys). */
export const HS256_HEADER = encodeJson({ alg: "HS256", typ: "JWT" })

/** HMAC-SHA256 of the signing input. */
export const hs256 = (key: KeyObject, signingInput: string): Buffer =>
  createHmac("sha256", key).update(signingInput).digest()

/** Verifies an HS256 token synchronously: the shared header rules, a constant-time HMAC check, the claims. */
export const verifyHs256 = (
  key: KeyObject,
  audience: ReadonlyArray<string>,
  token: string,
  nowMillis: number
): Claims | undefined => {
  const parsed = parse(token, "HS256")
  if (parsed === undefined || parsed.signature.length !== 32) return undefined
  if (!timingSafeEqual(hs256(key, parsed.signingInput), parsed.signature)) return undefined
  const payload = parseJsonObject(parsed.payloadSegment)
  return payload === undefined ? undefined : checkClaims(payload, audience, nowMillis)
}
