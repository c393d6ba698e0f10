"""A database as FastAPI Users leaves it, for effect-users' compatibility test (packages/adapter-sql).

    python fastapi_users_db.py create <postgresql+asyncpg URL> <argon2 e-mail> <password> <bcrypt e-mail> <password>
        Creates FastAPI Users' tables with fastapi-users-db-sqlalchemy's own models (user, oauth_account, accesstoken),
        registers the first user through FastAPI Users' UserManager (Argon2, pwdlib's defaults) with a linked OAuth
        account and an access token, and stores the second with a bcrypt hash made by pwdlib's BcryptHasher.
    python fastapi_users_db.py login <URL> <e-mail> <password> [<e-mail> <password> ...]
        Logs each user in through FastAPI Users' UserManager.authenticate (proves the database still serves it).

Prints one JSON object on stdout. Run with the reference virtual environment (scripts/reference/venv.sh).
"""

import asyncio
import json
import sys
import uuid

from fastapi_users import BaseUserManager, UUIDIDMixin, schemas
from fastapi_users_db_sqlalchemy import (
    SQLAlchemyBaseOAuthAccountTableUUID,
    SQLAlchemyBaseUserTableUUID,
    SQLAlchemyUserDatabase,
)
from fastapi_users_db_sqlalchemy.access_token import (
    SQLAlchemyAccessTokenDatabase,
    SQLAlchemyBaseAccessTokenTableUUID,
)
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, relationship
from seed_users import seed_users


class Base(DeclarativeBase):
    pass


class OAuthAccount(SQLAlchemyBaseOAuthAccountTableUUID, Base):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    oauth_accounts: Mapped[list[OAuthAccount]] = relationship("OAuthAccount", lazy="joined")


class AccessToken(SQLAlchemyBaseAccessTokenTableUUID, Base):
    pass


class UserCreate(schemas.BaseUserCreate):
    pass


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    reset_password_token_secret = "reference-reset-secret"
    verification_token_secret = "reference-verify-secret"


async def create(url: str, argon_email: str, argon_password: str, bcrypt_email: str, bcrypt_password: str) -> dict:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        users = SQLAlchemyUserDatabase(session, User, OAuthAccount)
        manager = UserManager(users)
        argon, bcrypt = await seed_users(
            users, manager, UserCreate, argon_email, argon_password, bcrypt_email, bcrypt_password
        )
        tokens = SQLAlchemyAccessTokenDatabase(session, AccessToken)
        token = await tokens.create({"token": "reference-token-" + "x" * 27, "user_id": argon.id})
        result = {
            "argon2": {"id": str(argon.id), "email": argon.email, "hashed_password": argon.hashed_password},
            "bcrypt": {"id": str(bcrypt.id), "email": bcrypt.email, "hashed_password": bcrypt.hashed_password},
            "token": {"token": token.token, "created_at": token.created_at.isoformat()},
        }
    await engine.dispose()
    return result


async def login(url: str, pairs: list[tuple[str, str]]) -> dict:
    engine = create_async_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    out = {}
    async with sessions() as session:
        manager = UserManager(SQLAlchemyUserDatabase(session, User, OAuthAccount))
        for email, password in pairs:
            form = OAuth2PasswordRequestForm(username=email, password=password)
            user = await manager.authenticate(form)
            out[email] = None if user is None else str(user.id)
    await engine.dispose()
    return out


def main() -> None:
    command, url, *rest = sys.argv[1:]
    if command == "create":
        result = asyncio.run(create(url, *rest))
    elif command == "login":
        result = asyncio.run(login(url, list(zip(rest[0::2], rest[1::2]))))
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
