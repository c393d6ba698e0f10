import { Redacted } from "effect"
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"

// The device cookie (OWASP's "device cookies" against online guessing): `<nonce>.<mac>`, the mac binding the nonce
// to one account, so a cookie proves a successful login to that account from this browser and nothing else.

const mac = (secret: Redacted.Redacted<string>, account: string, nonce: string): Buffer =>
  createHmac("sha256", Redacted.value(secret)).update(`device\n${account}\n${nonce}`, "utf8").digest()

/** A fresh device cookie value for `account`. */
export const issue = (secret: Redacted.Redacted<string>, account: string): string => {
  const nonce = randomBytes(16).toString("base64url")
  return `${nonce}.${mac(secret, account, nonce).toString("base64url")}`
}

/** Whether `value` is a device cookie this secret issued for `account`. */
export const recognises = (secret: Redacted.Redacted<string>, account: string, value: string): boolean => {
  const dot = value.indexOf(".")
  if (dot <= 0) return false
  const given = Buffer.from(value.slice(dot + 1), "base64url")
  const expected = mac(secret, account, value.slice(0, dot))
  return given.length === expected.length && timingSafeEqual(given, expected)
}
