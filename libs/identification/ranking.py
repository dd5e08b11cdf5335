"""1:N ranking of one probe descriptor: vector candidates, SQL visibility and filters, persons by best image.

The vector index is asked for `limit × candidates_per_person` nearest images (in the wanted groups). SQL
then drops what is not visible (not `ready`, expired, being deleted), not in the groups (SQL is the truth
for membership), filtered out by name, or described by another model. Hits are grouped by person and ranked
by their best distance. While filters leave fewer than `limit` persons and every candidate was within the
threshold, the candidate count doubles (up to the index's `max_limit`): farther candidates could still
qualify.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from libs.errors import InvalidRequestError, NotFoundError
from libs.faces.compare import distance_from_cosine, similarity_from_cosine
from libs.identification.context import IdentificationContext
from libs.identification.records import PersonMatch, ScoredImage
from libs.identification.repository import images as images_sql
from libs.identification.repository.images import NameFilter
from libs.identification.repository.rows import image_from_row
from libs.stores.ports import Row, VectorHit


@dataclass(frozen=True, slots=True)
class RankQuery:
    group_ids: tuple[str, ...] = ()  # empty = everyone
    threshold: float | None = None  # maximum distance; None = the default for the gallery searched
    limit: int | None = None  # persons; None = the configured default
    names: NameFilter | None = None
    with_images: bool = False


@dataclass(frozen=True, slots=True)
class Ranking:
    """A `RankQuery` checked once, defaults applied: what `rank_persons` ranks every face by."""

    group_ids: tuple[str, ...]
    threshold: float | None  # None: the default for the gallery searched, settled when ranking
    limit: int
    names: NameFilter | None
    with_images: bool


def checked_query(ctx: IdentificationContext, query: RankQuery) -> Ranking:
    """The query with the configured defaults; InvalidRequestError for values out of range."""
    threshold, limit = query.threshold, ctx.config.default_limit if query.limit is None else query.limit
    if threshold is not None and not threshold >= 0:  # also refuses NaN
        raise InvalidRequestError(f"threshold must be a distance >= 0, got {threshold}")
    if limit < 1:
        raise InvalidRequestError(f"limit must be >= 1, got {limit}")
    return Ranking(query.group_ids, threshold, limit, query.names, query.with_images)


async def rank_persons(
    ctx: IdentificationContext, vector: np.ndarray, model: str, query: Ranking
) -> tuple[PersonMatch, ...]:
    """The persons whose images lie within the threshold of `vector`, nearest first, at most `limit`. An
    explicit threshold wins; without one, the default for the size of the gallery searched."""
    threshold = query.threshold
    if threshold is None:
        threshold = await ctx.search_threshold(query.group_ids)
    limit = query.limit
    most = ctx.vectors.max_limit
    wanted = min(most, max(limit * ctx.config.candidates_per_person, 64))
    while True:
        hits = await ctx.vectors.search(vector, wanted, query.group_ids or None, ctx.tenant)
        near = [hit for hit in hits if distance_from_cosine(hit.cosine) <= threshold]
        matches = await _matches(ctx, near, model, query, limit)
        exhausted = len(hits) < wanted or len(near) < len(hits) or wanted >= most
        if len(matches) >= limit or exhausted:
            break
        wanted = min(most, wanted * 2)
    if query.with_images:
        matches = await _with_contents(ctx, matches)
    return tuple(matches)


async def _matches(
    ctx: IdentificationContext, hits: Sequence[VectorHit], model: str, query: Ranking, limit: int
) -> list[PersonMatch]:
    """The first `limit` persons of the hits that SQL keeps, each with all its hit images."""
    rows = await images_sql.search_candidates(
        ctx.database, [hit.image_id for hit in hits], ctx.now_ms(), ctx.tenant, query.group_ids, query.names
    )
    by_person: dict[str, list[tuple[Row, VectorHit]]] = {}
    for hit in sorted(hits, key=lambda h: -h.cosine):
        row = rows.get(hit.image_id)
        if row is None or row["model"] != model:
            continue
        person_id = row["person_id"]
        if person_id in by_person or len(by_person) < limit:
            by_person.setdefault(person_id, []).append((row, hit))
    # Only the persons shown are parsed and have their groups read: most candidates rank below them.
    persons = await images_sql.candidate_persons(ctx.database, [found[0][0] for found in by_person.values()])
    # Dicts keep insertion order and hits come best first: persons are already ranked by best distance.
    return [
        PersonMatch(persons[person_id], tuple(_scored(row, hit) for row, hit in found))
        for person_id, found in by_person.items()
    ]


def _scored(row: Row, hit: VectorHit) -> ScoredImage:
    return ScoredImage(
        image_from_row(row),
        distance=float(distance_from_cosine(hit.cosine)),
        similarity=float(similarity_from_cosine(hit.cosine)),
    )


async def _with_contents(ctx: IdentificationContext, matches: list[PersonMatch]) -> list[PersonMatch]:
    async def load(scored: ScoredImage) -> ScoredImage:
        key = scored.image.object_key
        if key is None:
            return scored
        try:
            data, _ = await ctx.store_call("object store get", ctx.objects.get(key))
        except NotFoundError:
            return scored
        return ScoredImage(scored.image, scored.distance, scored.similarity, data)

    loaded = []
    for match in matches:
        images = await asyncio.gather(*(load(scored) for scored in match.images))
        loaded.append(PersonMatch(match.person, tuple(images)))
    return loaded
