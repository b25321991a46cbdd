"""Field encryption for sensitive values (identity numbers).

Values are encrypted with Fernet (MultiFernet over SANXIN_DATA_KEY) and looked up
through keyed hashes (HMAC-SHA256 blind indexes) stored beside them. Neither the
ciphertext nor the hash reveals the value.

Key order, which is what makes rotation work (`sanxin rotate-data-key`,
docs/guide.md): the FIRST key encrypts and keys every hash written from now on;
EVERY key decrypts and every key's hash is tried when looking a value up. So with
`SANXIN_DATA_KEY=new,old` rows written under either key are found, the rotation
command rewrites every row under `new`, and then `old` can be dropped.
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


# What a blind index is for; each purpose has its own key derived from the data key,
# so an ID's hash and the hash of its last digits cannot be compared.
ID = "id"
LAST_DIGITS = "id-last-digits"
_INDEX_INFO = {ID: b"sanxin-blind-index", LAST_DIGITS: b"sanxin-blind-index-id-last-digits"}


@lru_cache(maxsize=8)
def _index_key(key: str, purpose: str = ID) -> bytes:
    return _derive(key, _INDEX_INFO[purpose])


@lru_cache(maxsize=8)
def _index_mac(key: str, purpose: str) -> hmac.HMAC:
    """The keyed HMAC before any input; each hash copies it (cheaper than a new one:
    the key's padding and the two inner hashes are done once)."""
    return hmac.new(_index_key(key, purpose), digestmod=hashlib.sha256)


def _index(key: str, value: str, purpose: str) -> str:
    mac = _index_mac(key, purpose).copy()
    mac.update(value.encode())
    return mac.hexdigest()


def encrypt(value: str) -> str:
    return _fernet(tuple(settings.DATA_KEYS)).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(tuple(settings.DATA_KEYS)).decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt under the newest key."""
    return _fernet(tuple(settings.DATA_KEYS)).rotate(token.encode()).decode()


def blind_index(value: str, purpose: str = ID) -> str:
    """The keyed hash to store for exact look-up: under the first (newest) key."""
    return _index(settings.DATA_KEYS[0], value, purpose)


def index_keys() -> list[str]:
    """The configured data keys, newest first (more than one during a rotation)."""
    return list(settings.DATA_KEYS)


def blind_indexes(value: str, purpose: str = ID) -> list[str]:
    """Every hash the value may be stored under: one per configured key, newest
    first. Look-ups match any of them, so they keep working during a rotation."""
    return list(dict.fromkeys(_index(k, value, purpose) for k in settings.DATA_KEYS))


def encrypt_bytes(data: bytes) -> bytes:
    return _fernet(tuple(settings.DATA_KEYS)).encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet(tuple(settings.DATA_KEYS)).decrypt(token)


def rotate_bytes(token: bytes) -> bytes:
    """Re-encrypt bytes under the newest key."""
    return _fernet(tuple(settings.DATA_KEYS)).rotate(token)
