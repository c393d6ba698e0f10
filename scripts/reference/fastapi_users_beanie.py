"""A MongoDB database as FastAPI Users' Beanie adapter leaves it, for effect-users' adoption test (packages/adapter-mongo).

    python fastapi_users_beanie.py create <mongodb URL> <database> <argon2 e-mail> <password> <bcrypt e-mail> <password>
        Initialises Beanie with the documents of FastAPI Users' Beanie documentation (User with embedded OAuth accounts,
        AccessToken; on FerretDB, which has no collations, the e-mail index and lookup go without theirs), registers the first user through FastAPI Users' UserManager (Argon2, pwdlib's defaults) with a
        linked OAuth account and an access token, and stores the second with a bcrypt hash made by pwdlib's
        BcryptHasher.
    python fastapi_users_beanie.py check <mongodb URL> <database> <e-mail> <password> [<e-mail> <password> ...]
        Logs each user in through FastAPI Users' UserManager.authenticate, finds the OAuth account github/4242 through
        BeanieUserDatabase.get_by_oauth_account and the access token through BeanieAccessTokenDatabase (proves FastAPI
        Users still works on the database).

Prints one JSON object on stdout. Run with the reference virtual environment (scripts/reference/venv.sh).
"""

import asyncio
import json
import sys

from beanie import Document, PydanticObjectId, init_beanie
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users import BaseUserManager, schemas
from fastapi_users_db_beanie import BaseOAuthAccount, BeanieBaseUser, BeanieUserDatabase, ObjectIDIDMixin
from fastapi_users_db_beanie.access_token import BeanieAccessTokenDatabase, BeanieBaseAccessToken
from pydantic import Field
from pymongo import AsyncMongoClient, IndexModel
from seed_users import seed_users


class OAuthAccount(BaseOAuthAccount):
    pass


class User(BeanieBaseUser, Document):
    oauth_accounts: list[OAuthAccount] = Field(default_factory=list)

    class Settings(BeanieBaseUser.Settings):
        # FerretDB 1.x implements no collations (an index or a find with one is refused as NotImplemented), so
        # BeanieBaseUser's `case_insensitive_email_index` is declared here without its collation.
        indexes = [IndexModel("email", name="case_insensitive_email_index", unique=True)]


class UserDatabase(BeanieUserDatabase[User]):
    """FastAPI Users' Beanie adapter, with the one change FerretDB forces: `get_by_email` without the collation."""

    async def get_by_email(self, email: str) -> User | None:
        return await self.user_model.find_one(self.user_model.email == email)


class AccessToken(BeanieBaseAccessToken, Document):
    pass


class UserCreate(schemas.BaseUserCreate):
    pass


class UserManager(ObjectIDIDMixin, BaseUserManager[User, PydanticObjectId]):
    reset_password_token_secret = "reference-reset-secret"
    verification_token_secret = "reference-verify-secret"


async def connect(url: str, database: str) -> AsyncMongoClient:
    client = AsyncMongoClient(url)
    await init_beanie(database=client[database], document_models=[User, AccessToken])
    return client


async def create(url: str, database: str, argon_email: str, argon_password: str, bcrypt_email: str,
                 bcrypt_password: str) -> dict:
    client = await connect(url, database)
    users = UserDatabase(User, OAuthAccount)
    manager = UserManager(users)
    argon, bcrypt = await seed_users(
        users, manager, UserCreate, argon_email, argon_password, bcrypt_email, bcrypt_password
    )
    token = await BeanieAccessTokenDatabase(AccessToken).create({"token": "reference-token-" + "x" * 27,
                                                                 "user_id": argon.id})
    await client.close()
    return {
        "argon2": {"id": str(argon.id), "email": argon.email, "hashed_password": argon.hashed_password},
        "bcrypt": {"id": str(bcrypt.id), "email": bcrypt.email, "hashed_password": bcrypt.hashed_password},
        "oauth_account_id": str(argon.oauth_accounts[0].id),
        "token": token.token,
    }


async def check(url: str, database: str, pairs: list[tuple[str, str]]) -> dict:
    client = await connect(url, database)
    users = UserDatabase(User, OAuthAccount)
    manager = UserManager(users)
    logins = {}
    for email, password in pairs:
        user = await manager.authenticate(OAuth2PasswordRequestForm(username=email, password=password))
        logins[email] = None if user is None else str(user.id)
    linked = await users.get_by_oauth_account("github", "4242")
    token = await BeanieAccessTokenDatabase(AccessToken).get_by_token("reference-token-" + "x" * 27)
    await client.close()
    return {
        "logins": logins,
        "oauth_owner": None if linked is None else str(linked.id),
        "token_user": None if token is None else str(token.user_id),
    }


def main() -> None:
    command, url, database, *rest = sys.argv[1:]
    if command == "create":
        result = asyncio.run(create(url, database, *rest))
    elif command == "check":
        result = asyncio.run(check(url, database, list(zip(rest[0::2], rest[1::2]))))
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
