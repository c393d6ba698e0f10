"""Removes each verification check of @effect-users/strategy-jwt in turn and runs the package's unit tests, to show
which tests catch its removal (each test must be able to fail). The source is restored after every mutation, also
on interruption. Run from the repository root (takes ~1 minute):

    python3 packages/strategy-jwt/scripts/mutations.py [mutation name ...]

Every mutation must make at least one test fail; the script exits 1 if one survives.
"""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
ROOT = PACKAGE.parent.parent
FILES = {"jwt": PACKAGE / "src/internal/jwt.ts", "strategy": PACKAGE / "src/JwtStrategy.ts"}
TESTS = [str(PACKAGE / "test" / name) for name in
         ("JwtAttacks.test.ts", "JwtStrategy.test.ts", "JwtKeySet.test.ts", "ActionTokens.test.ts")]

# (name, file, code to remove or replace, replacement)
MUTATIONS = [
    ("token length cap", "jwt", "if (token.length > MAX_TOKEN_LENGTH) return undefined", ""),
    ("alg must equal the configured one", "jwt", "if (header.alg !== algorithm) return undefined", ""),
    ("typ absent or JWT", "jwt", "if (!isJwtType(header.typ)) return undefined", ""),
    ("no crit", "jwt", "if (header.crit !== undefined) return undefined", ""),
    ("no unencoded payload (b64)", "jwt", "if (header.b64 !== undefined && header.b64 !== true) return undefined", ""),
    ("kid is a string", "jwt", 'if (kid !== undefined && typeof kid !== "string") return undefined', ""),
    ("canonical base64url", "jwt", 'return bytes.toString("base64url") === segment ? bytes : undefined', "return bytes"),
    ("iat not in the future", "jwt", "if (iat === undefined || iat > now) return undefined", ""),
    ("nbf not in the future", "jwt", "if (nbf === undefined || nbf > now) return undefined", ""),
    ("exp after now", "jwt", "if (exp === undefined || exp <= now) return undefined", ""),
    ("exp boundary (exp == now is expired)", "jwt", "exp <= now) return undefined", "exp < now) return undefined"),
    ("aud is a string or a list of strings", "jwt",
     'if (!Array.isArray(claimed) || claimed.some((a) => typeof a !== "string")) return undefined',
     "if (!Array.isArray(claimed)) return undefined"),
    ("aud empty string is missing", "jwt", 'typeof aud === "string" && aud !== ""', 'typeof aud === "string"'),
    ("aud overlaps the configured audience", "jwt",
     "if (!audience.some((a) => claimed.includes(a))) return undefined", ""),
    ("sub is a string", "jwt", 'if (typeof sub !== "string") return undefined', ""),
    ("jti is a string", "jwt", 'if (payload.jti !== undefined && typeof payload.jti !== "string") return undefined', ""),
    ("HS256 signature (HMAC compare)", "jwt",
     "if (!timingSafeEqual(hs256(key, parsed.signingInput), parsed.signature)) return undefined", ""),
    ("asymmetric signature (jose compactVerify)", "strategy",
     "await compactVerify(token, key.key, allowed)", "void compactVerify"),
    ("unknown kid refused (no fallback to the current key)", "strategy",
     ": keys.verificationKeys.get(parsed.kid)", ": keys.verificationKeys.get(parsed.kid) ?? current"),
    ("sub parsed with the model's id kind", "strategy",
     "return Option.isNone(id) ? none : repository.get(id.value)", "return repository.get(sub.value)"),
]

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(name, file, old, new):
    path = FILES[file]
    source = path.read_text()
    if source.count(old) != 1:
        return f"{name}: pattern found {source.count(old)} times (update the script)", False
    backup = Path(tempfile.mkstemp(suffix=".ts")[1])
    shutil.copy(path, backup)
    try:
        path.write_text(source.replace(old, new))
        out = ANSI.sub("", subprocess.run(["npx", "vitest", "run", *TESTS], cwd=ROOT, stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, text=True).stdout)
    finally:
        shutil.copy(backup, path)
        backup.unlink()
    failed = re.findall(r"FAIL\s+\S+?([A-Za-z]+)\.test\.ts > (.*)$", out, re.M)
    lines = [f"{name}: {len(failed)} failing test(s)"]
    lines += [f"    - {test}: {title}" for test, title in sorted(set(failed))]
    return "\n".join(lines), len(failed) > 0


def main():
    only = set(sys.argv[1:])
    survivors = 0
    for mutation in MUTATIONS:
        if only and mutation[0] not in only:
            continue
        report, caught = run(*mutation)
        survivors += 0 if caught else 1
        print(report, flush=True)
    print(f"{survivors} surviving mutation(s)")
    sys.exit(1 if survivors else 0)


main()
