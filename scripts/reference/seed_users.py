"""The two users both adoption fixtures write through FastAPI Users' own database adapters (SQLAlchemy and Beanie).

The first is created by FastAPI Users' UserManager (its Argon2id hash) and gets a GitHub OAuth account; the second is
stored directly with a bcrypt hash made by pwdlib's BcryptHasher, as databases older than FastAPI Users 13 hold.
"""

from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher


async def seed_users(users, manager, user_create, argon_email: str, argon_password: str, bcrypt_email: str,
                     bcrypt_password: str):
    """Creates both users through `users` (a FastAPI Users database adapter) and `manager`; returns them."""
    argon = await manager.create(user_create(email=argon_email, password=argon_password))
    argon = await users.add_oauth_account(
        argon,
        {
            "oauth_name": "github",
            "access_token": "gho_reference",
            "expires_at": 1700000000,
            "refresh_token": None,
            "account_id": "4242",
            "account_email": argon_email,
        },
    )
    bcrypt = await users.create(
        {
            "email": bcrypt_email,
            "hashed_password": PasswordHash((BcryptHasher(),)).hash(bcrypt_password),
            "is_active": True,
            "is_superuser": False,
            "is_verified": True,
        }
    )
    return argon, bcrypt
