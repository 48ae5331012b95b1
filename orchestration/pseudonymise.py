"""Person identifiers never reach the warehouse in clear.

Each is replaced, inside DuckDB, by HMAC-SHA256 under a key generated on first run and kept
under ``$PVW_HOME/secrets/`` (never in the repo). The same key serves every agency, so the same
person links across sources without being named. The SQL is the textbook HMAC construction,
checked against Python's ``hmac`` in the tests.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE = "pseudonym_key"


def pseudonym_key(home: Path) -> bytes:
    """The project's pseudonymisation key: 32 random bytes, created once (mode 0600)."""
    folder = home / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    key = bytes.fromhex(path.read_text().strip())
    if len(key) < 32:
        raise ValueError(f"{path}: the pseudonymisation key is shorter than 32 bytes")
    return key


def hmac_sql(expr: str, key: bytes) -> str:
    """SQL for the lowercase hex HMAC-SHA256 of the text ``expr`` (NULL stays NULL)."""
    block = key.ljust(64, b"\0") if len(key) <= 64 else None
    if block is None:
        raise ValueError("keys longer than one SHA-256 block are not supported")
    ipad = bytes(b ^ 0x36 for b in block).hex()
    opad = bytes(b ^ 0x5C for b in block).hex()
    return (
        f"sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || encode({expr}))))"
    )
