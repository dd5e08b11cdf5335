"""SQL rows for the synthetic descriptors, so that the service sees them as the persons they stand for.

A real gallery of 10^6 faces has a person, an image and its group memberships in SQL for every vector. Without
them the service drops synthetic hits as orphans and, at a threshold they reach, widens its candidate search
again and again: a cost no real deployment pays. The rows go straight into the identification service's
SQLite file (the schema its migrations made when it first started), with the service stopped: the API would
take hours to enrol a million photos, and what is measured is search, not enrolment.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path


class SqlGallery:
    """Writes `ready` persons with one `ready` image each (no photo kept), in the groups given."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path)
        self._connection.execute("PRAGMA foreign_keys=ON")
        row = self._connection.execute("SELECT model FROM images WHERE state = 'ready' LIMIT 1").fetchone()
        if row is None:
            raise RuntimeError(f"{path} holds no enrolled image to take the descriptor model id from")
        self._model = str(row[0])

    def add(self, person_ids: Sequence[str], group_ids: Sequence[str]) -> None:
        """Person i is `person_ids[i]`, its image has the same id (as the vector's image id), in
        `group_ids[i]`."""
        now = int(time.time() * 1000)
        with self._connection:  # one transaction per batch
            self._connection.executemany(
                "INSERT INTO persons (id, name, metadata, created_at, state, state_changed_at)"
                " VALUES (?, ?, '{}', ?, 'ready', ?)",
                [(person, person, now, now) for person in person_ids],
            )
            self._connection.executemany(
                "INSERT INTO person_groups (person_id, group_id, added_at) VALUES (?, ?, ?)",
                [(person, group, now) for person, group in zip(person_ids, group_ids, strict=True)],
            )
            self._connection.executemany(
                "INSERT INTO images (id, person_id, state, state_changed_at, content_type, metadata, model,"
                " created_at) VALUES (?, ?, 'ready', ?, 'image/jpeg', '{}', ?, ?)",
                [(person, person, now, self._model, now) for person in person_ids],
            )

    def close(self) -> None:
        self._connection.close()
