"""SM4-GCM field encryption, HMAC-SM3 blind index, startup self-test (RELIABILITY R17–R19)."""

from __future__ import annotations

import base64
import json
import re

import pytest
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.pii import crypto
from jiuzhu.pii.crypto import (
    CryptoSelfTestError,
    DecryptionError,
    Keyring,
    KeyringError,
    blind_index,
    blind_indexes,
    decrypt_field,
    encrypt_field,
    encrypt_fields,
    self_test,
    token_version,
)

KEY1 = bytes.fromhex("00112233445566778899aabbccddeeff")
KEY2 = bytes.fromhex("ffeeddccbbaa99887766554433221100")
INDEX_KEY = bytes(range(32))
RING = Keyring({1: KEY1}, 1, INDEX_KEY)
PLACE = {"table": "person", "column": "id_number", "row": "42"}
TOKEN_RE = re.compile(r"v[1-9][0-9]*:[A-Za-z0-9_-]+")


# --------------------------------------------------------------------------- self-test


def test_self_test_passes() -> None:
    self_test()


def test_sm3_known_answer_directly() -> None:
    assert (
        crypto._sm3(b"abc").hex()
        == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


def test_hmac_kat_matches_the_rfc2104_construction() -> None:
    for key, msg in [(INDEX_KEY, b"abc"), (b"k", b""), (b"x" * 100, b"long key is hashed first")]:
        assert crypto._hmac_sm3(key, msg) == crypto._hmac_sm3_by_definition(key, msg)


def test_broken_sm3_fails_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "_sm3", lambda data: bytes(32))
    with pytest.raises(CryptoSelfTestError, match="SM3 known-answer test"):
        self_test()


def test_sm3_swapped_for_another_hash_fails_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    # A backend that silently hands out a different hash under the SM3 name.
    monkeypatch.setattr(hashes, "SM3", hashes.SHA256)
    with pytest.raises(CryptoSelfTestError, match="SM3"):
        self_test()


def test_missing_algorithm_fails_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    def unsupported(data: bytes) -> bytes:
        raise UnsupportedAlgorithm("sm3 not available in this OpenSSL")

    monkeypatch.setattr(crypto, "_sm3", unsupported)
    with pytest.raises(CryptoSelfTestError, match="SM3 known-answer test") as info:
        self_test()
    assert isinstance(info.value.__cause__, UnsupportedAlgorithm)


def test_broken_sm4_fails_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "_sm4_ecb_encrypt", lambda key, data: data)
    with pytest.raises(CryptoSelfTestError, match="SM4 known-answer test"):
        self_test()


def test_broken_hmac_fails_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    real = crypto._hmac_sm3
    monkeypatch.setattr(crypto, "_hmac_sm3", lambda key, data: real(key[::-1], data))
    with pytest.raises(CryptoSelfTestError, match="HMAC-SM3 known-answer test"):
        self_test()


def test_broken_gcm_fails_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    real = crypto._sm4_gcm_encrypt
    monkeypatch.setattr(crypto, "_sm4_gcm_encrypt", lambda k, n, p, a: real(k, n, p, b""))
    with pytest.raises(CryptoSelfTestError, match="SM4-GCM known-answer test"):
        self_test()


def test_gcm_that_ignores_the_tag_fails_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    real = crypto._sm4_gcm_decrypt

    def no_auth(key: bytes, nonce: bytes, ct_and_tag: bytes, aad: bytes) -> bytes:
        # decrypts with the tag recomputed, i.e. never detects tampering
        sealed = crypto._sm4_gcm_encrypt(key, nonce, b"\x00" * (len(ct_and_tag) - 16), aad)
        keystream = sealed[:-16]
        plain = bytes(a ^ b for a, b in zip(ct_and_tag[:-16], keystream, strict=True))
        return real(key, nonce, crypto._sm4_gcm_encrypt(key, nonce, plain, aad), aad)

    monkeypatch.setattr(crypto, "_sm4_gcm_decrypt", no_auth)
    with pytest.raises(CryptoSelfTestError, match="round-trip and tamper"):
        self_test()


# --------------------------------------------------------------------------- keyring


def test_keyring_json_round_trip() -> None:
    text = json.dumps({"current": 1, "data_keys": {"1": KEY1.hex()}, "index_key": INDEX_KEY.hex()})
    ring = Keyring.from_json(text)
    assert ring.current_version == 1
    assert ring.data_keys[1] == KEY1
    assert ring.index_key == INDEX_KEY
    assert Keyring.from_json(ring.to_json()) == ring


def test_generate_and_rotate() -> None:
    ring = Keyring.generate()
    assert ring.current_version == 1 and len(ring.current_key) == 16 and len(ring.index_key) == 32
    assert Keyring.from_json(ring.to_json()) == ring
    assert Keyring.generate().index_key != ring.index_key
    rotated = ring.rotated()
    assert rotated.current_version == 2
    assert rotated.data_keys[1] == ring.data_keys[1]
    assert rotated.data_keys[2] != ring.data_keys[1]
    assert rotated.index_key == ring.index_key


def test_repr_never_shows_keys() -> None:
    for text in (repr(RING), str(RING)):
        assert KEY1.hex() not in text and INDEX_KEY.hex() not in text
        assert "current_version=1" in text


def test_keyring_is_immutable_and_copies_its_input() -> None:
    keys = {1: KEY1}
    ring = Keyring(keys, 1, INDEX_KEY)
    keys[1] = KEY2
    assert ring.data_keys[1] == KEY1
    with pytest.raises(TypeError):
        ring.data_keys[2] = KEY2  # type: ignore[index]
    with pytest.raises(AttributeError):
        ring.current_version = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"current": 1, "data_keys": {}}',
        json.dumps({"current": 2, "data_keys": {"1": KEY1.hex()}, "index_key": INDEX_KEY.hex()}),
        json.dumps(
            {"current": 1, "data_keys": {"1": KEY1.hex()[:-2]}, "index_key": INDEX_KEY.hex()}
        ),
        json.dumps({"current": 1, "data_keys": {"1": "zz" * 16}, "index_key": INDEX_KEY.hex()}),
        json.dumps(
            {"current": 1, "data_keys": {"1": KEY1.hex()}, "index_key": INDEX_KEY.hex()[:32]}
        ),
        json.dumps({"current": 1, "data_keys": {"0": KEY1.hex()}, "index_key": INDEX_KEY.hex()}),
        json.dumps({"current": 1, "data_keys": {"x": KEY1.hex()}, "index_key": INDEX_KEY.hex()}),
        json.dumps({"current": True, "data_keys": {"1": KEY1.hex()}, "index_key": INDEX_KEY.hex()}),
        json.dumps({"current": "1", "data_keys": {"1": KEY1.hex()}, "index_key": INDEX_KEY.hex()}),
        json.dumps({"current": 1, "data_keys": {"1": 5}, "index_key": INDEX_KEY.hex()}),
        json.dumps({"current": 1, "data_keys": [KEY1.hex()], "index_key": INDEX_KEY.hex()}),
        json.dumps(
            {"current": 1, "data_keys": {"1": KEY1.hex()}, "index_key": INDEX_KEY.hex(), "x": 1}
        ),
    ],
)
def test_bad_keyring_json(text: str) -> None:
    with pytest.raises(KeyringError) as info:
        Keyring.from_json(text)
    assert KEY1.hex() not in str(info.value) and INDEX_KEY.hex() not in str(info.value)


def test_bad_keyring_constructor() -> None:
    with pytest.raises(KeyringError):
        Keyring({}, 1, INDEX_KEY)
    with pytest.raises(KeyringError):
        Keyring({1: KEY1[:8]}, 1, INDEX_KEY)
    with pytest.raises(KeyringError):
        Keyring({1: KEY1}, 2, INDEX_KEY)
    with pytest.raises(KeyringError):
        Keyring({1: KEY1}, 1, INDEX_KEY[:16])
    with pytest.raises(KeyringError):
        Keyring({-1: KEY1}, -1, INDEX_KEY)


# --------------------------------------------------------------------------- fields


def test_token_format() -> None:
    token = encrypt_field(RING, "360102198001010013", **PLACE)
    assert TOKEN_RE.fullmatch(token)
    assert token.startswith("v1:") and "=" not in token
    body = token[3:]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert len(raw) == 12 + len("360102198001010013") + 16
    assert "360102198001010013" not in token
    assert token_version(token) == 1


def test_round_trip_and_random_nonce() -> None:
    a = encrypt_field(RING, "张三", **PLACE)
    b = encrypt_field(RING, "张三", **PLACE)
    assert a != b
    assert decrypt_field(RING, a, **PLACE) == decrypt_field(RING, b, **PLACE) == "张三"


def test_empty_plaintext_round_trips() -> None:
    assert decrypt_field(RING, encrypt_field(RING, "", **PLACE), **PLACE) == ""


@pytest.mark.parametrize(
    "other",
    [
        {"table": "person", "column": "id_number", "row": "43"},
        {"table": "person", "column": "phone", "row": "42"},
        {"table": "household", "column": "id_number", "row": "42"},
        {"table": "person", "column": "id_number", "row": "42 "},
    ],
)
def test_copied_ciphertext_fails(other: dict[str, str]) -> None:
    token = encrypt_field(RING, "360102198001010013", **PLACE)
    with pytest.raises(DecryptionError):
        decrypt_field(RING, token, **other)


def test_tampering_is_detected() -> None:
    token = encrypt_field(RING, "360102198001010013", **PLACE)
    body = token[3:]
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    for i in (0, 12, len(raw) - 1):  # nonce, ciphertext, tag
        forged = bytearray(raw)
        forged[i] ^= 0x80
        bad = "v1:" + base64.urlsafe_b64encode(bytes(forged)).rstrip(b"=").decode()
        with pytest.raises(DecryptionError):
            decrypt_field(RING, bad, **PLACE)
    truncated = "v1:" + base64.urlsafe_b64encode(bytes(raw[:-1])).rstrip(b"=").decode()
    with pytest.raises(DecryptionError):
        decrypt_field(RING, truncated, **PLACE)


def test_relabelled_version_fails() -> None:
    ring = Keyring({1: KEY1, 2: KEY1}, 2, INDEX_KEY)  # same key bytes under two versions
    token = encrypt_field(ring, "secret", **PLACE)
    assert token.startswith("v2:")
    with pytest.raises(DecryptionError):
        decrypt_field(ring, "v1:" + token[3:], **PLACE)  # the version is in the AAD


@pytest.mark.parametrize(
    "token",
    [
        "",
        "v1:",
        "v1",
        "1:abc",
        "v0:AAAA",
        "v01:AAAA",
        "v1:AAAA",
        "v1:A",
        "v1:AA==",
        "v1:AA+A",
        "v1:" + "A" * 43 + "!",
        "v99:" + "A" * 60,
        "V1:" + "A" * 60,
    ],
)
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(DecryptionError):
        decrypt_field(RING, token, **PLACE)


def test_non_text_token() -> None:
    with pytest.raises(DecryptionError):
        decrypt_field(RING, b"v1:AAAA", **PLACE)  # type: ignore[arg-type]


def test_errors_do_not_leak_plaintext() -> None:
    token = encrypt_field(RING, "360102198001010013", **PLACE)
    with pytest.raises(DecryptionError) as info:
        decrypt_field(RING, token, table="person", column="id_number", row="7")
    assert "360102" not in str(info.value) and token not in str(info.value)


@pytest.mark.parametrize(
    "place",
    [
        {"table": "", "column": "c", "row": "1"},
        {"table": "t", "column": "", "row": "1"},
        {"table": "t", "column": "c", "row": ""},
        {"table": "t|x", "column": "c", "row": "1"},
        {"table": "t", "column": "c|x", "row": "1"},
    ],
)
def test_bad_place_is_refused(place: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        encrypt_field(RING, "x", **place)


def test_lone_surrogates_are_refused() -> None:
    # Not encodable as UTF-8, so they cannot be stored faithfully: refuse, do not replace.
    with pytest.raises(ValueError):
        encrypt_field(RING, "\ud800", **PLACE)
    with pytest.raises(ValueError):
        encrypt_field(RING, "x", table="t", column="c", row="\udfff")


def test_non_text_row_is_refused() -> None:
    with pytest.raises(ValueError):
        encrypt_field(RING, "x", table="t", column="c", row=None)  # type: ignore[arg-type]


def test_row_may_contain_the_separator_unambiguously() -> None:
    token = encrypt_field(RING, "x", table="t", column="c", row="a|v1")
    assert decrypt_field(RING, token, table="t", column="c", row="a|v1") == "x"
    with pytest.raises(DecryptionError):
        decrypt_field(RING, token, table="t", column="c", row="a")


def test_old_tokens_decrypt_after_rotation() -> None:
    old = encrypt_field(RING, "张三", **PLACE)
    rotated = Keyring({1: KEY1, 2: KEY2}, 2, INDEX_KEY)
    assert decrypt_field(rotated, old, **PLACE) == "张三"
    new = encrypt_field(rotated, "张三", **PLACE)
    assert token_version(new) == 2 and token_version(old) == 1
    assert decrypt_field(rotated, new, **PLACE) == "张三"
    with pytest.raises(DecryptionError, match="v2"):
        decrypt_field(RING, new, **PLACE)  # the old keyring does not know v2


def test_token_version_rejects_garbage() -> None:
    with pytest.raises(DecryptionError):
        token_version("garbage")


TEXT = st.text(max_size=200)
NAMES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="|"), min_size=1, max_size=20
)
ROWS = st.text(min_size=1, max_size=20)


@given(TEXT, NAMES, NAMES, ROWS)
def test_round_trip_arbitrary_unicode(plaintext: str, table: str, column: str, row: str) -> None:
    token = encrypt_field(RING, plaintext, table=table, column=column, row=row)
    assert TOKEN_RE.fullmatch(token)
    assert decrypt_field(RING, token, table=table, column=column, row=row) == plaintext


@settings(max_examples=200)
@given(TEXT, st.data())
def test_any_other_place_fails(plaintext: str, data: st.DataObject) -> None:
    place = {"table": data.draw(NAMES), "column": data.draw(NAMES), "row": data.draw(ROWS)}
    token = encrypt_field(RING, plaintext, **place)
    field = data.draw(st.sampled_from(sorted(place)))
    other = dict(place)
    other[field] = data.draw(
        (ROWS if field == "row" else NAMES).filter(lambda v: v != place[field])
    )
    with pytest.raises(DecryptionError):
        decrypt_field(RING, token, **other)


@given(TEXT)
def test_v1_tokens_survive_rotation(plaintext: str) -> None:
    old = encrypt_field(RING, plaintext, **PLACE)
    rotated = Keyring({**RING.data_keys, 2: KEY2}, 2, INDEX_KEY)
    assert decrypt_field(rotated, old, **PLACE) == plaintext


# --------------------------------------------------------------------------- blind index


def test_blind_index_definition() -> None:
    value = "360102198001010013"
    got = blind_index(RING, value, purpose="id_number")
    assert re.fullmatch(r"[0-9a-f]{64}", got)
    expected = crypto._hmac_sm3_by_definition(INDEX_KEY, b"id_number\x00" + value.encode())
    assert got == expected.hex()
    assert blind_index(RING, value, purpose="id_number") == got  # deterministic


def test_blind_index_separates_purposes_and_keys() -> None:
    value = "13800138000"
    assert blind_index(RING, value, purpose="phone") != blind_index(
        RING, value, purpose="id_number"
    )
    other = Keyring({1: KEY1}, 1, bytes(32))
    assert blind_index(other, value, purpose="phone") != blind_index(RING, value, purpose="phone")
    # data-key rotation does not change the index
    rotated = Keyring({1: KEY1, 2: KEY2}, 2, INDEX_KEY)
    assert blind_index(rotated, value, purpose="phone") == blind_index(RING, value, purpose="phone")


@pytest.mark.parametrize("purpose", ["", "ID", "id\x00number", "1abc", "id number", "身份证"])
def test_blind_index_purpose_is_restricted(purpose: str) -> None:
    with pytest.raises(ValueError):
        blind_index(RING, "x", purpose=purpose)


@given(st.text(), st.text())
def test_blind_index_is_injective_in_practice(a: str, b: str) -> None:
    ia = blind_index(RING, a, purpose="id_number")
    ib = blind_index(RING, b, purpose="id_number")
    assert (ia == ib) == (a == b)


# --------------------------------------------------------------------------- batch paths (ADR 0042)


@given(st.lists(st.tuples(st.text(), st.text(min_size=1)), max_size=20))
def test_encrypt_fields_is_encrypt_field_for_each_row(items: list[tuple[str, str]]) -> None:
    plain, rows = [p for p, _ in items], [r for _, r in items]
    tokens = encrypt_fields(RING, plain, table="person", column="name", rows=rows)
    assert len(tokens) == len(plain) and all(TOKEN_RE.fullmatch(t) for t in tokens)
    assert [decrypt_field(RING, t, table="person", column="name", row=r) for t, r in zip(tokens, rows, strict=True)] == plain
    if len(set(rows)) > 1:  # each token is bound to its own row, not to its neighbour's
        with pytest.raises(DecryptionError):
            decrypt_field(RING, tokens[0], table="person", column="name", row=next(r for r in rows if r != rows[0]))


def test_encrypt_fields_draws_a_fresh_nonce_for_every_value() -> None:
    tokens = encrypt_fields(RING, ["360102198001010013"] * 200, table="t", column="c", rows=["1"] * 200)
    assert len({base64.urlsafe_b64decode(t[3:] + "==")[:12] for t in tokens}) == 200


@pytest.mark.parametrize("rows", [["1"], ["1", ""], ["1", 2]])
def test_encrypt_fields_refuses_missing_or_bad_rows(rows: list[object]) -> None:
    with pytest.raises(ValueError):
        encrypt_fields(RING, ["a", "b"], table="t", column="c", rows=rows)  # type: ignore[arg-type]


def test_encrypt_fields_refuses_bad_places() -> None:
    with pytest.raises(ValueError):
        encrypt_fields(RING, ["a"], table="t|x", column="c", rows=["1"])


@given(st.lists(st.text(), max_size=20))
def test_blind_indexes_is_blind_index_for_each_value(values: list[str]) -> None:
    assert blind_indexes(RING, values, purpose="id_number") == [blind_index(RING, v, purpose="id_number")
                                                                 for v in values]


def test_blind_indexes_purpose_is_restricted() -> None:
    with pytest.raises(ValueError):
        blind_indexes(RING, ["x"], purpose="ID")


def test_broken_batch_hmac_fails_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    real = crypto._hmac_sm3_many
    monkeypatch.setattr(crypto, "_hmac_sm3_many", lambda key, msgs: real(key[::-1], msgs))
    with pytest.raises(CryptoSelfTestError, match="batch"):
        self_test()


def test_broken_batch_gcm_fails_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    real = crypto._sm4_gcm_encrypt_many
    monkeypatch.setattr(crypto, "_sm4_gcm_encrypt_many",
                        lambda key, nonces, plain, aads: real(key, nonces, plain, [b""] * len(aads)))
    with pytest.raises(CryptoSelfTestError, match="batch"):
        self_test()
