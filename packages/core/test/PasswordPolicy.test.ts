/**
 * NIST SP 800-63B-4's password policy: the minimum length by factor count (in code points), no composition rules,
 * the shipped common-password list, the application's own blocklist and the user's address refused.
 */
import * as PasswordPolicy from "@effect-users/core/PasswordPolicy"
import type * as User from "@effect-users/core/User"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"

const user: User.UserCreate = { email: "Ada.Lovelace@example.com", password: "" }

const reasons = (layer: ReturnType<typeof PasswordPolicy.layerNist>, passwords: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const policy = yield* PasswordPolicy.PasswordPolicy
    return yield* Effect.forEach(passwords, (password) =>
      policy.validate(password, user).pipe(
        Effect.match({ onFailure: (error) => error.reason, onSuccess: () => "ok" })
      ))
  }).pipe(Effect.provide(layer))

describe("PasswordPolicy.layerNist", () => {
  it.effect("single factor: at least 15 code points, no composition rules", () =>
    Effect.gen(function*() {
      const got = yield* reasons(PasswordPolicy.layerNist(), [
        "abcdefghijklmn", // 14
        "correct horse b", // 15, lower-case letters and spaces only: fine
        "ééééééééééééééé", // 15 code points, 30 bytes
        "🔒".repeat(14), // 14 code points, 28 UTF-16 units
        "🔒".repeat(15)
      ])
      assert.deepStrictEqual(got, [
        "Password should be at least 15 characters",
        "ok",
        "ok",
        "Password should be at least 15 characters",
        "ok"
      ])
    }))

  it.effect("with another factor: at least 8", () =>
    Effect.gen(function*() {
      const got = yield* reasons(PasswordPolicy.layerNist({ singleFactor: false }), ["abcdefg", "zq8#Lm2v"])
      assert.deepStrictEqual(got, ["Password should be at least 8 characters", "ok"])
    }))

  it.effect("common passwords refused, ignoring case; the application's blocklist and the address too", () =>
    Effect.gen(function*() {
      const got = yield* reasons(PasswordPolicy.layerNist({ singleFactor: false, blocklist: ["ExampleCorp2026"] }), [
        "password",
        "PassWord1",
        "1qaz2wsx",
        "iloveyou",
        "examplecorp2026",
        "ada.lovelace",
        "ADA.LOVELACE@EXAMPLE.COM",
        "a perfectly fine passphrase"
      ])
      assert.deepStrictEqual(got, [
        "Password is too common",
        "Password is too common",
        "Password is too common",
        "Password is too common",
        "Password is too common",
        "Password should not be the e-mail address",
        "Password should not be the e-mail address",
        "ok"
      ])
    }))

  it.effect("the shipped list can be left out", () =>
    Effect.gen(function*() {
      const got = yield* reasons(PasswordPolicy.layerNist({ singleFactor: false, withoutCommonPasswords: true }), [
        "password"
      ])
      assert.deepStrictEqual(got, ["ok"])
    }))
})
