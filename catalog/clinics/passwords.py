"""Password hashing with Argon2id (argon2-cffi), the slow hash OWASP recommends first."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY

_hasher = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
# Verified when the email is unknown, so a wrong address takes as long as a wrong password.
_DECOY_HASH = _hasher.hash("decoy password, never matches")

MIN_LENGTH = 10
MAX_LENGTH = 256


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DECOY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None (length is what matters most: NIST SP 800-63B)."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if not password.strip():
        return "A password cannot be only spaces."
    return None


def use_cheap_hashing_for_tests() -> None:
    """Tests hash many passwords; the cheapest Argon2 parameters keep them fast."""
    global _hasher, _DECOY_HASH
    _hasher = PasswordHasher.from_parameters(CHEAPEST)
    _DECOY_HASH = _hasher.hash("decoy password, never matches")
