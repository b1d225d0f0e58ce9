"""Field encryption (SM4-GCM), blind index (HMAC-SM3) and the startup self-test.

Pure Python, no Django.  RELIABILITY R17 (field encryption), R18 (versioned keys), R19
(known-answer tests at startup).  The primitives come from the ``cryptography`` package
(OpenSSL), which provides SM3 and SM4 but no SM4 AEAD class, so SM4-GCM is built from
``Cipher(SM4, GCM)``.

Token format (text, so it fits a ``TextField`` and survives JSON and CSV)::

    "v{version}:" + base64url(nonce[12] || ciphertext || tag[16])     (no "=" padding)

The associated data is ``f"{table}|{column}|{row}|v{version}"`` in UTF-8.  Binding the
table, column and primary key means a ciphertext copied into another row or column (by a
bug, or by someone with database access swapping two people's ID numbers) fails to
decrypt instead of silently showing the wrong person's data; binding the version stops a
token being relabelled to another key.

Keys: this module only *uses* keys.  Where they come from (unwrapped by the KEK in an
HSM/KMS, R18) is the caller's business; :class:`Keyring` never prints them.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = [
    "CryptoSelfTestError",
    "DecryptionError",
    "Keyring",
    "KeyringError",
    "blind_index",
    "blind_indexes",
    "decrypt_field",
    "encrypt_field",
    "encrypt_fields",
    "self_test",
    "token_version",
]

NONCE_BYTES: Final = 12  # the GCM standard nonce size: no GHASH of the IV, no extra risk
TAG_BYTES: Final = 16  # full-length tag; truncated tags weaken authenticity
DATA_KEY_BYTES: Final = 16  # SM4 has 128-bit keys only
INDEX_KEY_BYTES: Final = 32  # HMAC key as long as the SM3 output

# Random 96-bit nonces are safe for about 2**32 encryptions per key (NIST SP 800-38D);
# a provincial registry with tens of millions of rows and a few fields each stays far
# below that, and rotation (a new version) resets the count.


class CryptoSelfTestError(RuntimeError):
    """A known-answer or round-trip test failed: the crypto backend cannot be trusted."""


class DecryptionError(ValueError):
    """A token could not be decrypted: malformed, unknown key version, wrong place, tampered."""


class KeyringError(ValueError):
    """A keyring definition is invalid.  Messages never include key material."""


# --------------------------------------------------------------------------- primitives
# Every public function goes through these, and self_test() checks these, so a passing
# self-test vouches for the exact code path used on real data.


def _sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def _hmac_sm3(key: bytes, data: bytes) -> bytes:
    h = crypto_hmac.HMAC(key, hashes.SM3())
    h.update(data)
    return h.finalize()


def _hmac_sm3_many(key: bytes, messages: Iterable[bytes]) -> list[bytes]:
    """HMAC-SM3 of many messages under one key: the keyed state is built once and copied per
    message (``HMAC.copy``), instead of one key schedule per message."""
    base = crypto_hmac.HMAC(key, hashes.SM3())
    out = []
    for data in messages:
        h = base.copy()
        h.update(data)
        out.append(h.finalize())
    return out


def _sm4_ecb_encrypt(key: bytes, data: bytes) -> bytes:
    # Only for the GB/T 32907 known-answer test; ECB is never used on data.
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305
    return enc.update(data) + enc.finalize()


def _sm4_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Return ciphertext || tag."""
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    ct = enc.update(plaintext) + enc.finalize()
    return ct + enc.tag


def _sm4_gcm_encrypt_many(key: bytes, nonces: bytes, plaintexts: Sequence[bytes],
                          aads: Sequence[bytes]) -> list[bytes]:
    """ciphertext || tag of each plaintext; *nonces* is NONCE_BYTES per plaintext, concatenated.

    The same construction as :func:`_sm4_gcm_encrypt` (one GCM context per value: GCM has no
    reusable context), with the key object made once for the whole batch.
    """
    if len(nonces) != NONCE_BYTES * len(plaintexts) or len(aads) != len(plaintexts):
        raise ValueError("one nonce and one associated data per plaintext")
    algorithm = algorithms.SM4(key)
    out = []
    for i, (plaintext, aad) in enumerate(zip(plaintexts, aads, strict=True)):
        enc = Cipher(algorithm, modes.GCM(nonces[i * NONCE_BYTES:(i + 1) * NONCE_BYTES])).encryptor()
        enc.authenticate_additional_data(aad)
        ct = enc.update(plaintext) + enc.finalize()
        out.append(ct + enc.tag)
    return out


def _sm4_gcm_decrypt(key: bytes, nonce: bytes, ct_and_tag: bytes, aad: bytes) -> bytes:
    """Raise cryptography's InvalidTag if the tag does not verify."""
    ct, tag = ct_and_tag[:-TAG_BYTES], ct_and_tag[-TAG_BYTES:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(aad)
    return dec.update(ct) + dec.finalize()


# --------------------------------------------------------------------------- self-test

_SM3_BLOCK_BYTES: Final = 64

# HMAC-SM3 known answer, computed once with this backend and pinned; at run time it is
# also re-derived from bare SM3 by the RFC 2104 formula, so a pinned value that was
# itself wrong could not have passed.
_HMAC_KAT_KEY: Final = bytes(range(32))
_HMAC_KAT_MSG: Final = b"abc"
_HMAC_KAT_MAC: Final = "a8f95cf26f204957e7ca73c9602a25dda35f168b28103b51dfc968c810416b63"


def _hmac_sm3_by_definition(key: bytes, data: bytes) -> bytes:
    """HMAC from the hash alone (RFC 2104): H((K ^ opad) || H((K ^ ipad) || m))."""
    if len(key) > _SM3_BLOCK_BYTES:
        key = _sm3(key)
    key = key.ljust(_SM3_BLOCK_BYTES, b"\x00")
    ipad = bytes(b ^ 0x36 for b in key)
    opad = bytes(b ^ 0x5C for b in key)
    return _sm3(opad + _sm3(ipad + data))


def _kat_sm3() -> bool:
    # GB/T 32905-2016 Appendix A, examples 1 and 2.
    return (
        _sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        and _sm3(b"abcd" * 16).hex()
        == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def _kat_sm4() -> bool:
    # GB/T 32907-2016 Appendix A, example 1: key = plaintext.
    k = bytes.fromhex("0123456789abcdeffedcba9876543210")
    return _sm4_ecb_encrypt(k, k).hex() == "681edf34d206965e86b3e94f536e4246"


def _kat_hmac_sm3() -> bool:
    mac = _hmac_sm3(_HMAC_KAT_KEY, _HMAC_KAT_MSG)
    return mac.hex() == _HMAC_KAT_MAC and mac == _hmac_sm3_by_definition(
        _HMAC_KAT_KEY, _HMAC_KAT_MSG
    )


def _kat_sm4_gcm() -> bool:
    # RFC 8998 Appendix A.1 (SM4-GCM test vector).
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    nonce = bytes.fromhex("00001234567800000000abcd")
    aad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    pt = bytes.fromhex(
        "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
        "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
    )
    expected = (
        "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
        "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
        "83de3541e4c2b58177e065a9bf7b62ec"
    )
    return _sm4_gcm_encrypt(key, nonce, pt, aad).hex() == expected


def _batch_paths() -> bool:
    # The batch primitives used by the set-based writes give exactly the single ones' results:
    # the HMAC known answer among other messages, the SM4-GCM known answer (RFC 8998 A.1) as
    # the second of two values, and a batch-encrypted field decrypts by the single path.
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    nonce = bytes.fromhex("00001234567800000000abcd")
    aad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    macs = _hmac_sm3_many(_HMAC_KAT_KEY, [_HMAC_KAT_MSG, b"x", _HMAC_KAT_MSG])
    if macs != [_hmac_sm3(_HMAC_KAT_KEY, m) for m in (_HMAC_KAT_MSG, b"x", _HMAC_KAT_MSG)]:
        return False
    if macs[0] != _hmac_sm3_by_definition(_HMAC_KAT_KEY, _HMAC_KAT_MSG):
        return False
    other = os.urandom(NONCE_BYTES)
    pt = bytes(range(64))
    sealed = _sm4_gcm_encrypt_many(key, other + nonce, [b"y", pt], [b"z", aad])
    if sealed != [_sm4_gcm_encrypt(key, other, b"y", b"z"), _sm4_gcm_encrypt(key, nonce, pt, aad)]:
        return False
    ring = Keyring({1: os.urandom(DATA_KEY_BYTES)}, 1, os.urandom(INDEX_KEY_BYTES))
    tokens = encrypt_fields(ring, ["自检", "𠀀·"], table="t", column="c", rows=["1", "2"])
    return [decrypt_field(ring, t, table="t", column="c", row=r) for t, r in zip(tokens, "12", strict=True)] == [
        "自检", "𠀀·"] and blind_indexes(ring, ["a", "b"], purpose="p") == [
        blind_index(ring, "a", purpose="p"), blind_index(ring, "b", purpose="p")]


def _gcm_round_trip() -> bool:
    # Exercise the real field path with a throwaway key: decrypt works, and flipping a
    # ciphertext bit or changing the associated data is detected.
    ring = Keyring({1: os.urandom(DATA_KEY_BYTES)}, 1, os.urandom(INDEX_KEY_BYTES))
    text = "自检 self-test 𠀀·"
    token = encrypt_field(ring, text, table="t", column="c", row="1")
    if decrypt_field(ring, token, table="t", column="c", row="1") != text:
        return False
    raw = bytearray(_b64decode(token.partition(":")[2]))
    raw[NONCE_BYTES] ^= 0x01
    tampered = "v1:" + _b64encode(bytes(raw))
    for tok, row in ((tampered, "1"), (token, "2")):
        try:
            decrypt_field(ring, tok, table="t", column="c", row=row)
        except DecryptionError:
            continue
        return False
    return True


_SELF_TESTS: Final[tuple[tuple[str, Callable[[], bool]], ...]] = (
    ("SM3 known-answer test", _kat_sm3),
    ("SM4 known-answer test", _kat_sm4),
    ("HMAC-SM3 known-answer test", _kat_hmac_sm3),
    ("SM4-GCM known-answer test", _kat_sm4_gcm),
    ("SM4-GCM round-trip and tamper test", _gcm_round_trip),
    ("batch paths agree with the single ones", _batch_paths),
)


def self_test() -> None:
    """Run the known-answer and round-trip tests; raise :class:`CryptoSelfTestError` on failure.

    Call at startup and refuse to start if it raises (R19): an OpenSSL build without SM3
    or SM4, or a broken one, must stop the application before it writes unreadable or
    unauthenticated data.  The error names the failing test.  Takes well under a
    millisecond.
    """
    for name, test in _SELF_TESTS:
        try:
            ok = test()
        except Exception as exc:  # an unsupported algorithm is a failure too
            raise CryptoSelfTestError(f"crypto self-test failed: {name} ({exc!r})") from exc
        if not ok:
            raise CryptoSelfTestError(f"crypto self-test failed: {name}")


# --------------------------------------------------------------------------- keyring


@dataclass(frozen=True)
class Keyring:
    """Versioned SM4 data keys plus the separate HMAC-SM3 blind-index key.

    Old versions stay in ``data_keys`` after rotation so existing tokens still decrypt;
    new encryptions use ``current_version``.  The index key is separate because blind
    indexes must stay stable across data-key rotation (they back unique constraints), and
    because one key should serve one purpose.

    ``repr()`` shows only the versions, never key bytes (R18: keys never in logs).
    """

    data_keys: Mapping[int, bytes] = field(repr=False)
    current_version: int
    index_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not self.data_keys:
            raise KeyringError("keyring has no data keys")
        for version, key in self.data_keys.items():
            if isinstance(version, bool) or not isinstance(version, int) or version < 1:
                raise KeyringError("data key versions must be positive integers")
            if not isinstance(key, bytes) or len(key) != DATA_KEY_BYTES:
                raise KeyringError(f"data key v{version} must be {DATA_KEY_BYTES} bytes")
        if self.current_version not in self.data_keys:
            raise KeyringError("current_version has no data key")
        if not isinstance(self.index_key, bytes) or len(self.index_key) != INDEX_KEY_BYTES:
            raise KeyringError(f"index_key must be {INDEX_KEY_BYTES} bytes")
        # A private read-only copy: the caller's dict can change afterwards without
        # changing (or breaking) this keyring.
        object.__setattr__(self, "data_keys", MappingProxyType(dict(self.data_keys)))

    @property
    def current_key(self) -> bytes:
        return self.data_keys[self.current_version]

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        """Load ``{"current": 1, "data_keys": {"1": "<32 hex>"}, "index_key": "<64 hex>"}``."""
        try:
            obj: Any = json.loads(text)
        except ValueError:
            raise KeyringError("keyring is not valid JSON") from None
        if not isinstance(obj, dict) or set(obj) != {"current", "data_keys", "index_key"}:
            raise KeyringError('keyring needs exactly "current", "data_keys" and "index_key"')
        current, data_keys, index_key = obj["current"], obj["data_keys"], obj["index_key"]
        if isinstance(current, bool) or not isinstance(current, int):
            raise KeyringError('"current" must be an integer')
        if not isinstance(data_keys, dict) or not isinstance(index_key, str):
            raise KeyringError('"data_keys" must be an object and "index_key" a string')
        keys: dict[int, bytes] = {}
        for name, hex_key in data_keys.items():
            if not re.fullmatch(r"[1-9][0-9]*", name):
                raise KeyringError("data key versions must be positive integers")
            keys[int(name)] = _from_hex(hex_key, f"data key v{name}")
        return cls(keys, current, _from_hex(index_key, "index_key"))

    def to_json(self) -> str:
        """Serialise for the key store (never for settings, logs or backups: R18)."""
        return json.dumps(
            {
                "current": self.current_version,
                "data_keys": {str(v): k.hex() for v, k in sorted(self.data_keys.items())},
                "index_key": self.index_key.hex(),
            },
            sort_keys=True,
        )

    @classmethod
    def generate(cls) -> Keyring:
        """A fresh keyring: data key v1 and an index key from the OS CSPRNG."""
        return cls({1: os.urandom(DATA_KEY_BYTES)}, 1, os.urandom(INDEX_KEY_BYTES))

    def rotated(self) -> Keyring:
        """A copy with a new random data key (highest version + 1) as current.

        Old keys are kept so existing tokens decrypt; re-encrypt rows whose
        :func:`token_version` is not ``current_version``, then retire old keys.  The index
        key is unchanged.
        """
        version = max(self.data_keys) + 1
        keys = {**self.data_keys, version: os.urandom(DATA_KEY_BYTES)}
        return Keyring(keys, version, self.index_key)


def _from_hex(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise KeyringError(f"{what} must be a hex string")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise KeyringError(f"{what} is not valid hex") from None


# --------------------------------------------------------------------------- fields

_TOKEN: Final = re.compile(r"v([1-9][0-9]{0,8}):([A-Za-z0-9_-]+)")
_MIN_RAW_BYTES: Final = NONCE_BYTES + TAG_BYTES


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    # The alphabet was checked by _TOKEN; restore the padding the token omits.
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _aad(table: str, column: str, row: str, version: int) -> bytes:
    # "|" is the separator, so it may not occur in table or column; with those two fixed
    # and the version last, the row may contain anything and the encoding stays
    # unambiguous (no two different (table, column, row, version) give the same bytes).
    if not table or not column or "|" in table or "|" in column:
        raise ValueError("table and column must be non-empty and must not contain '|'")
    if not isinstance(row, str) or not row:
        # An empty or non-text row almost always means "no primary key yet": encrypting
        # then would bind the ciphertext to the wrong row.
        raise ValueError("row must be the row's primary key as non-empty text")
    return f"{table}|{column}|{row}|v{version}".encode()


def encrypt_field(keyring: Keyring, plaintext: str, *, table: str, column: str, row: str) -> str:
    """Encrypt one field value with the current key; return the text token.

    Each call uses a fresh random nonce, so equal values give different tokens: use
    :func:`blind_index` for lookups and uniqueness.  Raises :class:`ValueError` for an
    empty table, column or row, a ``"|"`` in table or column, or text that is not valid
    Unicode (a lone surrogate cannot be encoded as UTF-8, and is refused, not replaced).
    """
    version = keyring.current_version
    nonce = os.urandom(NONCE_BYTES)
    sealed = _sm4_gcm_encrypt(
        keyring.data_keys[version],
        nonce,
        plaintext.encode("utf-8"),
        _aad(table, column, row, version),
    )
    return f"v{version}:{_b64encode(nonce + sealed)}"


def encrypt_fields(keyring: Keyring, plaintexts: Sequence[str], *, table: str, column: str,
                   rows: Sequence[str]) -> list[str]:
    """:func:`encrypt_field` for many values of one column, each bound to its own row.

    The same tokens' format and associated data; one random draw for all the nonces (12 fresh
    bytes each) and one key object for the batch.  Raises :class:`ValueError` as
    :func:`encrypt_field` does (an empty or non-text row, a bad table or column, a lone
    surrogate), or when *rows* and *plaintexts* differ in length.
    """
    if len(rows) != len(plaintexts):
        raise ValueError("one row per plaintext")
    version = keyring.current_version
    _aad(table, column, "-", version)  # checks table and column
    head, tail = f"{table}|{column}|", f"|v{version}"
    aads = []
    for row in rows:  # the layout of _aad, checked the same way
        if not isinstance(row, str) or not row:
            raise ValueError("row must be the row's primary key as non-empty text")
        aads.append(f"{head}{row}{tail}".encode())
    nonces = os.urandom(NONCE_BYTES * len(plaintexts))
    sealed = _sm4_gcm_encrypt_many(keyring.data_keys[version], nonces,
                                   [p.encode("utf-8") for p in plaintexts], aads)
    prefix = f"v{version}:"
    return [prefix + _b64encode(nonces[i * NONCE_BYTES:(i + 1) * NONCE_BYTES] + s)
            for i, s in enumerate(sealed)]


def token_version(token: str) -> int:
    """The key version a token was encrypted with (for resumable rotation, R18)."""
    m = _TOKEN.fullmatch(token)
    if m is None:
        raise DecryptionError("malformed encrypted field")
    return int(m[1])


def decrypt_field(keyring: Keyring, token: str, *, table: str, column: str, row: str) -> str:
    """Decrypt a token made by :func:`encrypt_field` for the same table, column and row.

    The key is chosen by the version in the token, so tokens from before a rotation keep
    working.  Raises :class:`DecryptionError` if the token is malformed, its key version
    is unknown, or authentication fails (tampered, or copied from another row, column or
    table).  The message never includes the token or plaintext.
    """
    m = _TOKEN.fullmatch(token) if isinstance(token, str) else None
    if m is None:
        raise DecryptionError("malformed encrypted field")
    version = int(m[1])
    key = keyring.data_keys.get(version)
    if key is None:
        raise DecryptionError(f"no data key for version v{version}")
    try:
        raw = _b64decode(m[2])
    except (binascii.Error, ValueError):
        raise DecryptionError("malformed encrypted field") from None
    if len(raw) < _MIN_RAW_BYTES:
        raise DecryptionError("malformed encrypted field")
    try:
        plain = _sm4_gcm_decrypt(
            key, raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(table, column, row, version)
        )
    except InvalidTag:
        raise DecryptionError(
            "encrypted field failed authentication (tampered, or not from this row/column)"
        ) from None
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:  # pragma: no cover - only reachable with a forged valid tag
        raise DecryptionError("decrypted field is not UTF-8") from None


_PURPOSE: Final = re.compile(r"[a-z][a-z0-9_.]*")


def blind_index(keyring: Keyring, normalised_value: str, *, purpose: str) -> str:
    """Hex HMAC-SM3(index_key, purpose || 0x00 || value) for equality lookup and uniqueness.

    The caller must pass the *normalised* value (e.g. from ``normalise_id_number`` or
    ``normalise_mobile``): the index is exact-match, so "11010519491231002x" and
    "11010519491231002X" would otherwise index differently.  *purpose* (e.g.
    ``"id_number"``, ``"phone"``) separates domains, so equal strings in different fields
    do not produce linkable indexes; it is restricted to ``[a-z][a-z0-9_.]*`` so the
    0x00 separator is unambiguous.  Raises :class:`ValueError` for any other purpose, or
    for a value containing a lone surrogate.
    """
    if not _PURPOSE.fullmatch(purpose):
        raise ValueError("purpose must match [a-z][a-z0-9_.]*")
    message = purpose.encode("ascii") + b"\x00" + normalised_value.encode("utf-8")
    return _hmac_sm3(keyring.index_key, message).hex()


def blind_indexes(keyring: Keyring, normalised_values: Iterable[str], *, purpose: str) -> list[str]:
    """:func:`blind_index` of many values for one purpose (the keyed state made once)."""
    if not _PURPOSE.fullmatch(purpose):
        raise ValueError("purpose must match [a-z][a-z0-9_.]*")
    head = purpose.encode("ascii") + b"\x00"
    return [mac.hex() for mac in _hmac_sm3_many(keyring.index_key,
                                                 (head + v.encode("utf-8") for v in normalised_values))]
