"""How `visage detect` and `visage match` name the photos in their tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.faces import short_names

pytestmark = pytest.mark.unit


def test_photos_are_named_by_as_few_trailing_parts_as_tell_them_apart() -> None:
    assert short_names([Path("/data/in/a.jpg"), Path("/data/in/b.jpg")]) == ["a.jpg", "b.jpg"]
    assert short_names([Path("/x/people/a.jpg"), Path("/y/people/a.jpg")]) == [
        "x/people/a.jpg",
        "y/people/a.jpg",
    ]
    assert short_names([Path("a.jpg"), Path("a.jpg")]) == ["a.jpg", "a.jpg"]  # the same file twice
