import { Buffer } from "node:buffer"

// The PHC string format of Argon2 (https://github.com/P-H-C/phc-string-format) and the Modular Crypt Format of
// bcrypt, as pwdlib writes and recognises them.

/** An Argon2 variant. */
export type Variant = "argon2id" | "argon2i" | "argon2d"

/** The cost parameters of an Argon2 hash. */
export interface Argon2Params {
  readonly memoryCost: number
  readonly timeCost: number
  readonly parallelism: number
}

/** A decoded Argon2 PHC string. */
export interface Argon2Hash extends Argon2Params {
  readonly variant: Variant
  /** 0x13 = 19 (current) or 0x10 = 16 (the original, also the meaning of a string without `v=`). */
  readonly version: number
  readonly salt: Uint8Array
  readonly hash: Uint8Array
}

const ARGON2 =
  /^\$(argon2id|argon2i|argon2d)\$(?:v=(\d{1,3})\$)?m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{6,})$/u

const BCRYPT = /^\$2([abxy])\$(\d{2})\$[./A-Za-z0-9]{53}$/u

/** Standard base64 without padding (the PHC alphabet). */
export const encodeBase64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64").replace(/=+$/u, "")

const decodeBase64 = (text: string): Uint8Array | undefined => {
  // A base64 string without padding never has a length of 1 modulo 4.
  if (text.length % 4 === 1) return undefined
  const bytes = Buffer.from(text, "base64")
  // Reject non-canonical encodings (trailing bits set), so one hash has exactly one spelling.
  return encodeBase64(bytes) === text ? new Uint8Array(bytes) : undefined
}

/** Encodes an Argon2 hash as a PHC string, e.g. `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`. */
export const formatArgon2 = (hash: Argon2Hash): string =>
  `$${hash.variant}$v=${hash.version}$m=${hash.memoryCost},t=${hash.timeCost},p=${hash.parallelism}$${
    encodeBase64(hash.salt)
  }$${encodeBase64(hash.hash)}`

/** What a stored hash string is. */
export type Recognised =
  | { readonly _tag: "Argon2"; readonly hash: Argon2Hash }
  | { readonly _tag: "Bcrypt"; readonly minor: "a" | "b" | "x" | "y"; readonly cost: number }
  | { readonly _tag: "Unknown"; readonly reason: string }

const isMinor = (text: string): text is "a" | "b" | "x" | "y" =>
  text === "a" || text === "b" || text === "x" || text === "y"

const isVariant = (text: string): text is Variant => text === "argon2id" || text === "argon2i" || text === "argon2d"

/** Identifies a stored hash: Argon2 in PHC format, bcrypt in Modular Crypt Format, or unknown. */
export const recognise = (encoded: string): Recognised => {
  const argon2 = ARGON2.exec(encoded)
  if (argon2 !== null) {
    const [, variant = "", version, m = "", t = "", p = "", salt64 = "", hash64 = ""] = argon2
    const salt = decodeBase64(salt64)
    const hash = decodeBase64(hash64)
    if (!isVariant(variant) || salt === undefined || hash === undefined) {
      return { _tag: "Unknown", reason: "malformed Argon2 hash (base64)" }
    }
    const parsedVersion = version === undefined ? 0x10 : Number(version)
    if (parsedVersion !== 0x10 && parsedVersion !== 0x13) {
      return { _tag: "Unknown", reason: `unsupported Argon2 version ${parsedVersion}` }
    }
    const memoryCost = Number(m)
    const timeCost = Number(t)
    const parallelism = Number(p)
    if (
      parallelism < 1 || parallelism > 255 || timeCost < 1 || memoryCost < 8 * parallelism ||
      memoryCost > 2 ** 32 - 1 ||
      timeCost > 2 ** 32 - 1 || salt.length < 8 || hash.length < 4
    ) {
      return { _tag: "Unknown", reason: "Argon2 hash with out-of-range parameters" }
    }
    return {
      _tag: "Argon2",
      hash: { variant, version: parsedVersion, memoryCost, timeCost, parallelism, salt, hash }
    }
  }
  const bcrypt = BCRYPT.exec(encoded)
  if (bcrypt !== null) {
    const [, minor = "", cost = ""] = bcrypt
    // bcrypt's cost is 4..31 (2^cost rounds).
    if (isMinor(minor) && Number(cost) >= 4 && Number(cost) <= 31) return { _tag: "Bcrypt", minor, cost: Number(cost) }
  }
  return { _tag: "Unknown", reason: "unknown password hash format" }
}
