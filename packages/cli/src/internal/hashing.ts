import * as PasswordHasher from "@effect-users/core/PasswordHasher"
import { Flag } from "effect/cli"

/** The Argon2id parameters of new hashes, as the application's `PasswordHasher.layer` has them. */
export const hashFlags = {
  hashParams: Flag.Literals("hash-params", ["owasp", "fastapi"]).pipe(
    Flag.withDescription(
      "Argon2id parameters: owasp (19 MiB, t=2, p=1, core's default) or fastapi (FastAPI Users' 64 MiB, t=3, p=4)"
    ),
    Flag.withDefault("owasp")
  )
} as const

/** The hasher the flags choose. */
export const hasher = (params: "owasp" | "fastapi") =>
  PasswordHasher.layer(params === "fastapi" ? PasswordHasher.fastApiUsers : PasswordHasher.owaspMinimum)
