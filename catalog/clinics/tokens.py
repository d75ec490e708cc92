"""API token secrets: random, shown once, kept only as a SHA-256 digest."""

import hashlib
import secrets

PREFIX = "mcat_"


def new_secret() -> str:
    # 256 bits of randomness: a fast digest is enough, unlike for passwords people choose.
    return PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    return secret[: len(PREFIX) + 6]
