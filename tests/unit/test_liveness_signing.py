"""Signing a liveness submission, the server secret file, and the head-turn challenge rules."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from libs.liveness.challenge import LEFT, RIGHT, challenge_met, performed_turns, random_challenge
from libs.liveness.signing import canonical_submission, sign_submission, signature_matches, transaction_key
from libs.secret_file import load_or_create_secret

pytestmark = pytest.mark.unit

SECRET = bytes(range(32))
TX = "6f1c7a52-3a4e-4a59-9d57-0d1f1b7c2e10"
NONCE = "n0nce-n0nce-n0nce"
FRAMES = (b"\xff\xd8\xffframe-one", b"\xff\xd8\xffframe-two")


def test_canonical_text_is_what_protocol_md_describes() -> None:
    text = canonical_submission(TX, NONCE, FRAMES, b"video").decode()
    lines = text.split("\n")
    assert lines[:4] == ["visage-liveness-v1", TX, NONCE, "2"]
    assert len(lines) == 7 and all(len(line) == 64 for line in lines[4:])
    assert canonical_submission(TX, NONCE, FRAMES, None).decode().endswith("\n")  # empty video hash


def test_a_signature_binds_transaction_nonce_frames_and_video() -> None:
    key = transaction_key(SECRET, TX)
    signature = sign_submission(key, TX, NONCE, FRAMES, b"video")
    assert signature_matches(key, signature.upper(), TX, NONCE, FRAMES, b"video")
    other = "0b6b1e8e-0000-4000-8000-000000000001"
    refused = [
        (transaction_key(SECRET, other), other, NONCE, FRAMES, b"video"),  # another transaction's key
        (key, other, NONCE, FRAMES, b"video"),  # replayed under another id
        (key, TX, "another-nonce-123", FRAMES, b"video"),
        (key, TX, NONCE, FRAMES[::-1], b"video"),  # frames swapped
        (key, TX, NONCE, FRAMES[:1], b"video"),  # a frame dropped
        (key, TX, NONCE, (FRAMES[0], FRAMES[1] + b"x"), b"video"),  # a frame edited
        (key, TX, NONCE, FRAMES, None),  # video removed
    ]
    for args in refused:
        assert not signature_matches(args[0], signature, *args[1:])


def test_keys_differ_per_transaction_and_per_secret() -> None:
    assert transaction_key(SECRET, TX) != transaction_key(SECRET, TX[:-1] + "1")
    assert transaction_key(SECRET, TX) != transaction_key(bytes(32), TX)
    assert len(transaction_key(SECRET, TX)) == 32


def test_secret_file_is_created_once_private_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "liveness.secret"
    first = load_or_create_secret(path)
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == first
    assert [p.name for p in path.parent.iterdir()] == ["liveness.secret"]  # no draft left behind


def test_a_damaged_secret_file_is_refused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "liveness.secret"
    path.write_text("not hex")
    with pytest.raises(ValueError, match="not hex"):
        load_or_create_secret(path)


def test_random_challenges_alternate_and_vary() -> None:
    seen = {random_challenge(2, 3) for _ in range(200)}
    assert seen == {(LEFT, RIGHT), (RIGHT, LEFT), (LEFT, RIGHT, LEFT), (RIGHT, LEFT, RIGHT)}


def test_turns_collapse_repeats_and_ignore_small_yaws() -> None:
    yaws = [0.0, 3.0, 25.0, 31.0, 5.0, None, -24.0, -40.0, 2.0, float("nan")]
    assert performed_turns(yaws, 20.0) == (LEFT, RIGHT)
    assert challenge_met((LEFT, RIGHT), yaws, 20.0)
    assert not challenge_met((RIGHT, LEFT), yaws, 20.0)  # wrong order
    assert not challenge_met((LEFT, RIGHT, LEFT), yaws, 20.0)  # a turn missing
    assert not challenge_met((LEFT,), yaws, 20.0)  # an extra turn
    assert not challenge_met((LEFT, RIGHT), [0.0, 19.0, -19.0], 20.0)  # not turned far enough
