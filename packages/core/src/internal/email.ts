import { domainToASCII, domainToUnicode } from "node:url"

// Rules of FastAPI Users' EmailStr (email-validator 2.3, deliverability checks off; docs/moving-from-fastapi-users.md), as
// checked against the reference itself by test/EmailReference.integration.test.ts.
const MAX_ADDRESS_BYTES = 254
// RFC 6761 / IANA special-use names that email-validator refuses.
const SPECIAL_USE = new Set(["arpa", "invalid", "local", "localhost", "onion", "test"])
// atext, plus any non-ASCII character (email-validator's internationalised local parts, emoji included).
const ATEXT = /^[a-zA-Z0-9!#$%&'*+/=?^_`{|}~\u{80}-\u{10FFFF}-]+$/u
// email-validator's unsafe characters: controls, format characters (e.g. zero-width space, soft hyphen), surrogates,
// private use, unassigned code points, and every separator (no-break space, line separator).
const UNSAFE = /[\p{C}\p{Z}]/u
const MARK = /^\p{M}/u
const DISPLAY_NAME_FORM = /^[^<>]*<([^<>]+)>$/u
const utf8 = new TextEncoder()

/** Normalises an e-mail address as FastAPI Users stores it, or explains why it is not one. */
export const normalizeEmail = (input: string): { readonly email: string } | { readonly error: string } => {
  if (/[\r\n]/u.test(input)) return { error: "Carriage return and line feed characters are not allowed." }
  let value = input.trim()
  const display = DISPLAY_NAME_FORM.exec(value)
  if (display !== null) value = (display[1] ?? "").trim()
  const at = value.lastIndexOf("@")
  if (at <= 0 || at === value.length - 1) return { error: "An email address must have an @-sign." }
  // The local part is stored in NFC, as email-validator does (one spelling per address).
  const local = value.slice(0, at).normalize("NFC")
  const domain = value.slice(at + 1)
  if (UNSAFE.test(local) || MARK.test(local)) return { error: "The email address contains unsafe characters." }
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
  if (utf8.encode(email).length > MAX_ADDRESS_BYTES) return { error: "The email address is too long." }
  return { email }
}

/**
 * The key under which an address is unique and looked up: case-insensitive, as both reference adapters, and the same
 * on every store whatever its locale — Unicode's default (locale-independent) lower-case mapping of the NFC form, so
 * `ÄDA@x`, `äda@x` and `a\u0308da@x` are one address.
 */
export const emailKey = (email: string): string => email.normalize("NFC").toLowerCase()
