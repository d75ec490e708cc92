"""Password hashing with Argon2id (argon2-cffi), the slow hash OWASP recommends first, and which new
passwords are refused: too short, too repetitive, common or breached (NIST SP 800-63B, 3.1.1.2)."""

import gzip
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY

from catalog.core.words import N_, phrase

_hasher = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
# Verified when the email is unknown, so a wrong address takes as long as a wrong password.
_DECOY_HASH = _hasher.hash("decoy password, never matches")

MIN_LENGTH = 12
MAX_LENGTH = 256
# Published in the README for the development demo: refused for every other account.
DEMO_PASSWORD = "mesocat-demo"  # noqa: S105
# Common and breached passwords, lower case: see data/README.md for where the list comes from.
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt.gz"
# Runs of keys or letters that look long but are guessed first.
SEQUENCES = (
    "01234567890123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DECOY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _is_sequence(text: str) -> bool:
    folded = text.lower()
    return any(folded in run or folded in run[::-1] for run in (sequence * 3 for sequence in SEQUENCES))


def password_problem(password: str, *, demo_allowed: bool = False) -> str | None:
    """Why a new password is refused, or None (length is what matters most: NIST SP 800-63B).

    `demo_allowed`: only the development demo may use its published password.
    """
    if len(password) < MIN_LENGTH:
        return phrase(
            "Use at least %(minimum)s characters (this one has %(length)s).", minimum=MIN_LENGTH, length=len(password)
        )
    if len(password) > MAX_LENGTH:
        return phrase("Use at most %(maximum)s characters.", maximum=MAX_LENGTH)
    if not password.strip():
        return N_("A password cannot be only spaces.")
    if password == DEMO_PASSWORD and not demo_allowed:
        return N_("This is the demo's published password: choose your own.")
    if len(set(password.lower())) < 5 or _is_sequence(password):
        return N_("Too repetitive or a run of keys: choose something less predictable, such as a few unrelated words.")
    if password.lower() in common_passwords() or password.lower().rstrip("0123456789!.") in common_passwords():
        return N_("This password is among the most common or breached ones: choose another.")
    return None


def use_cheap_hashing_for_tests() -> None:
    """Tests hash many passwords; the cheapest Argon2 parameters keep them fast."""
    global _hasher, _DECOY_HASH
    _hasher = PasswordHasher.from_parameters(CHEAPEST)
    _DECOY_HASH = _hasher.hash("decoy password, never matches")
