"""Encryption at rest for secrets we must be able to read back (verification keys).

The Fernet key comes from TALO_ENCRYPTION_KEY or, by default, from DJANGO_SECRET_KEY: changing
that key makes stored verification secrets unreadable (re-enter them)."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet():
    material = settings.TALO_ENCRYPTION_KEY or settings.SECRET_KEY
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(("talo-secrets:" + material).encode()).digest()))


def encrypt(plaintext):
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext):
    """The plaintext, or None when it cannot be decrypted with the current key."""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        return None
