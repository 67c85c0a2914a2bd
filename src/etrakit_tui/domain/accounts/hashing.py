"""argon2id hashing for passwords and PINs, parameters set explicitly.

Parameters follow OWASP's argon2id guidance (m=19 MiB, t=2, p=1). When they change,
``needs_rehash`` tells the sign-in service to store a new hash.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

HASHER = PasswordHasher(
    time_cost=2, memory_cost=19_456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)


@cache
def dummy_hash() -> str:
    """Verified against when the account does not exist, so unknown names take as long as
    wrong passwords. Made on first use, not at import (it costs a hash and 19 MiB)."""
    return HASHER.hash("etrakit-dummy-secret-never-matches")


def hash_secret(secret: str) -> str:
    return HASHER.hash(secret)


def verify_secret(stored: str | None, secret: str) -> bool:
    """True when ``secret`` matches ``stored``. A missing hash still costs one verification."""
    try:
        return HASHER.verify(stored or dummy_hash(), secret) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    try:
        return HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True
