import { domainToASCII, domainToUnicode } from "node:url"

// Rules of FastAPI Users' EmailStr (email-validator, deliverability checks off).
const MAX_ADDRESS_LENGTH = 254
const MAX_LOCAL_LENGTH = 64
// RFC 6761 / IANA special-use names that email-validator refuses.
const SPECIAL_USE = new Set(["arpa", "invalid", "local", "localhost", "onion", "test"])
const ATEXT = /^[a-zA-Z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+$/u
const DISPLAY_NAME_FORM = /^[^<>]*<([^<>]+)>$/u

/** Normalises an e-mail address as FastAPI Users stores it, or explains why it is not one. */
export const normalizeEmail = (input: string): { readonly email: string } | { readonly error: string } => {
  let value = input.trim()
  const display = DISPLAY_NAME_FORM.exec(value)
  if (display !== null) value = (display[1] ?? "").trim()
  const at = value.lastIndexOf("@")
  if (at <= 0 || at === value.length - 1) return { error: "An email address must have an @-sign." }
  const local = value.slice(0, at)
  const domain = value.slice(at + 1)
  if (local.length > MAX_LOCAL_LENGTH) return { error: "The email address is too long before the @-sign." }
  if (local.split(".").some((atom) => atom.length === 0 || !ATEXT.test(atom))) {
    return { error: "The email address contains invalid characters before the @-sign." }
  }
  const ascii = domainToASCII(domain)
  if (ascii === "" || ascii.startsWith(".") || ascii.endsWith(".")) {
    return { error: "The domain name is not valid." }
  }
  const labels = ascii.split(".")
  if (labels.length < 2) return { error: "The part after the @-sign is not valid. It should have a period." }
  if (labels.some((label) => !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/u.test(label))) {
    return { error: "The part after the @-sign contains invalid characters." }
  }
  const tld = labels[labels.length - 1] ?? ""
  if (/^[0-9]+$/u.test(tld)) {
    return { error: "The part after the @-sign is not valid. It is not within a valid top-level domain." }
  }
  if (SPECIAL_USE.has(tld)) {
    return { error: "The part after the @-sign is a special-use or reserved name that cannot be used with email." }
  }
  const email = `${local}@${domainToUnicode(ascii)}`
  if (email.length > MAX_ADDRESS_LENGTH) return { error: "The email address is too long." }
  return { email }
}

/**
 * The key under which an address is unique and looked up: case-insensitive, as both reference adapters, and the same
 * on every store whatever its locale — Unicode's default (locale-independent) lower-case mapping of the NFC form, so
 * `ÄDA@x`, `äda@x` and `a\u0308da@x` are one address.
 */
export const emailKey = (email: string): string => email.normalize("NFC").toLowerCase()
