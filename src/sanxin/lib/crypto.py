"""Field encryption for sensitive values (identity numbers).

Values are encrypted with Fernet (MultiFernet over SANXIN_DATA_KEY, newest key
first, so keys can rotate) and looked up through a keyed hash (HMAC-SHA256 blind
index) stored beside them. Neither the ciphertext nor the hash reveals the value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _derive(key: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key.encode())


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(_derive(k, b"sanxin-fernet"))) for k in keys]
    )


@lru_cache(maxsize=4)
def _index_key(key: str) -> bytes:
    return _derive(key, b"sanxin-blind-index")


def encrypt(value: str) -> str:
    return _fernet(tuple(settings.DATA_KEYS)).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(tuple(settings.DATA_KEYS)).decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt under the newest key."""
    return _fernet(tuple(settings.DATA_KEYS)).rotate(token.encode()).decode()


def blind_index(value: str) -> str:
    """A keyed hash for exact look-up. Stable across rotations of the encryption key
    list as long as the *last* key (the oldest, the index key) stays."""
    return hmac.new(_index_key(settings.DATA_KEYS[-1]), value.encode(), hashlib.sha256).hexdigest()


def encrypt_bytes(data: bytes) -> bytes:
    return _fernet(tuple(settings.DATA_KEYS)).encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet(tuple(settings.DATA_KEYS)).decrypt(token)
