"""FastAPI Users 15.0.5 configured like effect-users' example server (examples/server), for the black-box suite.

- a JWT bearer backend at /auth/jwt (tokenUrl auth/jwt/login) and a cookie backend at /auth/cookie, both with a
  JWT strategy on SECRET, lifetime 3600 s; the cookie transport keeps FastAPI Users' defaults (fastapiusersauth,
  Path=/, HttpOnly, SameSite=lax, Secure) with Max-Age 3600; a bearer backend with the database strategy at
  /auth/db, and, when REDIS_URL is set, one with the Redis strategy at /auth/redis (both 3600 s);
- register / verify / reset-password routers at /auth, users router at /users;
- composed like FastAPI Users allows: a second auth router of the JWT backend at /auth/jwtv and a second users
  router at /users-rv, both with requires_verification=True;
- REQUIRES_VERIFICATION=1: the auth and users routers with requires_verification=True (as the example server);
- validate_password: the reference test rule (fewer than 3 characters -> "Password should be at least 3 characters");
- SQLite through aiosqlite in a temporary file (DATABASE_PATH, or a fresh temp file);
- OAuth (when OAUTH_OIDC_ISSUER, OAUTH_OIDC_CLIENT_ID and OAUTH_OIDC_CLIENT_SECRET are set, as the example server):
  httpx-oauth's OpenID client (name "openid") on that issuer, get_oauth_router for the JWT backend at /auth/openid
  and for the cookie backend at /auth/openid-cookie, get_oauth_associate_router at /auth/associate/openid, state
  secret SECRET; users keep their OAuth accounts in the oauth_account table;
- with EFFECT_USERS_TEST_ENDPOINTS=1 only: GET /__test__/tokens?email= (the last verify and reset tokens the hooks
  saw for that address) and POST /__test__/superuser {"email", "password"} (an active verified superuser), the same
  test-only endpoints as the example server.

Run: PORT=8001 SECRET=... $(bash scripts/reference/venv.sh) scripts/reference/app.py
"""

import os
import sys
import tempfile
import uuid
from contextlib import asynccontextmanager
from typing import AsyncGenerator, Optional, Union

import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi_users import BaseUserManager, FastAPIUsers, InvalidPasswordException, UUIDIDMixin, schemas
import redis.asyncio
from fastapi_users.authentication import (
    AuthenticationBackend,
    BearerTransport,
    CookieTransport,
    JWTStrategy,
    RedisStrategy,
)
from fastapi_users.authentication.strategy.db import DatabaseStrategy
from fastapi_users.db import SQLAlchemyBaseOAuthAccountTableUUID, SQLAlchemyBaseUserTableUUID, SQLAlchemyUserDatabase
from fastapi_users_db_sqlalchemy.access_token import SQLAlchemyAccessTokenDatabase, SQLAlchemyBaseAccessTokenTableUUID
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

SECRET = os.environ.get("SECRET", "change-me-this-is-the-example-secret-32b")
PORT = int(os.environ.get("PORT", "8001"))
REDIS_URL = os.environ.get("REDIS_URL", "")
LIFETIME_SECONDS = 3600
TEST_ENDPOINTS = os.environ.get("EFFECT_USERS_TEST_ENDPOINTS") == "1"
# REQUIRES_VERIFICATION=1: the auth and users routers are built with requires_verification=True
REQUIRES_VERIFICATION = os.environ.get("REQUIRES_VERIFICATION") == "1"
DATABASE_PATH = os.environ.get("DATABASE_PATH") or os.path.join(
    tempfile.mkdtemp(prefix="fastapi-users-reference-"), "reference.sqlite"
)


class Base(DeclarativeBase):
    pass


class OAuthAccount(SQLAlchemyBaseOAuthAccountTableUUID, Base):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    oauth_accounts: Mapped[list[OAuthAccount]] = relationship("OAuthAccount", lazy="joined")


class AccessToken(SQLAlchemyBaseAccessTokenTableUUID, Base):
    pass


# REFERENCE_DATABASE_URL (e.g. postgresql+asyncpg://..., the benchmark's) replaces the SQLite file
engine = create_async_engine(os.environ.get("REFERENCE_DATABASE_URL") or f"sqlite+aiosqlite:///{DATABASE_PATH}")
session_maker = async_sessionmaker(engine, expire_on_commit=False)


class UserRead(schemas.BaseUser[uuid.UUID]):
    pass


class UserCreate(schemas.BaseUserCreate):
    pass


class UserUpdate(schemas.BaseUserUpdate):
    pass


# The last verify / reset token per (lower-cased) e-mail, as the hooks saw them.
TOKENS: dict[str, dict[str, Optional[str]]] = {}


def remember(email: str, kind: str, token: str) -> None:
    TOKENS.setdefault(email.lower(), {"verify": None, "reset": None})[kind] = token


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    reset_password_token_secret = SECRET
    verification_token_secret = SECRET

    async def validate_password(self, password: str, user: Union[UserCreate, User]) -> None:
        if len(password) < 3:
            raise InvalidPasswordException(reason="Password should be at least 3 characters")

    async def on_after_request_verify(self, user: User, token: str, request: Optional[Request] = None) -> None:
        print(f"[mailer] verify e-mail for {user.email}: {token}", flush=True)
        remember(user.email, "verify", token)

    async def on_after_forgot_password(self, user: User, token: str, request: Optional[Request] = None) -> None:
        print(f"[mailer] reset password for {user.email}: {token}", flush=True)
        remember(user.email, "reset", token)


async def get_async_session() -> AsyncGenerator[AsyncSession, None]:
    async with session_maker() as session:
        yield session


async def get_user_db(session: AsyncSession = Depends(get_async_session)):
    yield SQLAlchemyUserDatabase(session, User, OAuthAccount)


async def get_access_token_db(session: AsyncSession = Depends(get_async_session)):
    yield SQLAlchemyAccessTokenDatabase(session, AccessToken)


async def get_user_manager(user_db: SQLAlchemyUserDatabase = Depends(get_user_db)):
    yield UserManager(user_db)


def get_jwt_strategy() -> JWTStrategy:
    return JWTStrategy(secret=SECRET, lifetime_seconds=LIFETIME_SECONDS)


bearer_backend = AuthenticationBackend(
    name="jwt", transport=BearerTransport(tokenUrl="auth/jwt/login"), get_strategy=get_jwt_strategy
)
cookie_backend = AuthenticationBackend(
    name="cookie", transport=CookieTransport(cookie_max_age=LIFETIME_SECONDS), get_strategy=get_jwt_strategy
)



def get_database_strategy(access_token_db: SQLAlchemyAccessTokenDatabase = Depends(get_access_token_db)):
    return DatabaseStrategy(access_token_db, lifetime_seconds=LIFETIME_SECONDS)


db_backend = AuthenticationBackend(
    name="db", transport=BearerTransport(tokenUrl="auth/db/login"), get_strategy=get_database_strategy
)
backends = [bearer_backend, cookie_backend, db_backend]
if REDIS_URL != "":
    redis_client = redis.asyncio.from_url(REDIS_URL, decode_responses=True)

    def get_redis_strategy() -> RedisStrategy:
        return RedisStrategy(redis_client, lifetime_seconds=LIFETIME_SECONDS)

    backends.append(
        AuthenticationBackend(
            name="redis", transport=BearerTransport(tokenUrl="auth/redis/login"), get_strategy=get_redis_strategy
        )
    )

fastapi_users = FastAPIUsers[User, uuid.UUID](get_user_manager, backends)
current_active_user = fastapi_users.current_user(active=True)


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)
app.include_router(
    fastapi_users.get_auth_router(bearer_backend, requires_verification=REQUIRES_VERIFICATION),
    prefix="/auth/jwt",
    tags=["auth"],
)
# a second auth router of the JWT backend that refuses unverified users (FastAPI Users' routers compose freely)
app.include_router(
    fastapi_users.get_auth_router(bearer_backend, requires_verification=True),
    prefix="/auth/jwtv",
    tags=["auth"],
)
app.include_router(
    fastapi_users.get_auth_router(cookie_backend, requires_verification=REQUIRES_VERIFICATION),
    prefix="/auth/cookie",
    tags=["auth"],
)
for backend in backends[2:]:
    app.include_router(
        fastapi_users.get_auth_router(backend, requires_verification=REQUIRES_VERIFICATION),
        prefix=f"/auth/{backend.name}",
        tags=["auth"],
    )
app.include_router(fastapi_users.get_register_router(UserRead, UserCreate), prefix="/auth", tags=["auth"])
app.include_router(fastapi_users.get_reset_password_router(), prefix="/auth", tags=["auth"])
app.include_router(fastapi_users.get_verify_router(UserRead), prefix="/auth", tags=["auth"])
app.include_router(
    fastapi_users.get_users_router(UserRead, UserUpdate, requires_verification=REQUIRES_VERIFICATION),
    prefix="/users",
    tags=["users"],
)
# a second users router that requires verification
app.include_router(
    fastapi_users.get_users_router(UserRead, UserUpdate, requires_verification=True),
    prefix="/users-rv",
    tags=["users"],
)

OAUTH_ISSUER = os.environ.get("OAUTH_OIDC_ISSUER", "")
if OAUTH_ISSUER and os.environ.get("OAUTH_OIDC_CLIENT_ID") and os.environ.get("OAUTH_OIDC_CLIENT_SECRET"):
    from httpx_oauth.clients.openid import OpenID

    # reads the provider's metadata now: the provider must be up before this server starts
    oauth_client = OpenID(
        os.environ["OAUTH_OIDC_CLIENT_ID"],
        os.environ["OAUTH_OIDC_CLIENT_SECRET"],
        f"{OAUTH_ISSUER}/.well-known/openid-configuration",
    )
    app.include_router(
        fastapi_users.get_oauth_router(oauth_client, bearer_backend, SECRET),
        prefix=f"/auth/{oauth_client.name}",
        tags=["auth"],
    )
    app.include_router(
        fastapi_users.get_oauth_router(oauth_client, cookie_backend, SECRET),
        prefix=f"/auth/{oauth_client.name}-cookie",
        tags=["auth"],
    )
    app.include_router(
        fastapi_users.get_oauth_associate_router(oauth_client, UserRead, SECRET),
        prefix=f"/auth/associate/{oauth_client.name}",
        tags=["auth"],
    )


@app.get("/protected")
async def protected(user: User = Depends(current_active_user)):
    return {"message": f"Hello {user.email}!"}


if TEST_ENDPOINTS:

    class SuperuserCreate(BaseModel):
        email: str
        password: str

    @app.get("/__test__/tokens")
    async def test_tokens(email: str):
        return TOKENS.get(email.lower(), {"verify": None, "reset": None})

    @app.post("/__test__/superuser", status_code=201, response_model=UserRead)
    async def test_superuser(body: SuperuserCreate, user_manager: UserManager = Depends(get_user_manager)):
        created = await user_manager.create(
            UserCreate(email=body.email, password=body.password, is_superuser=True, is_verified=True), safe=False
        )
        return UserRead.model_validate(created, from_attributes=True)


if __name__ == "__main__":
    print(f"reference: FastAPI Users 15.0.5 on http://127.0.0.1:{PORT} (SQLite {DATABASE_PATH})", file=sys.stderr)
    uvicorn.run(app, host="127.0.0.1", port=PORT, log_level="warning")
