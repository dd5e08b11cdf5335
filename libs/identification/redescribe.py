"""Describing a stored gallery again after the descriptor model (or the pipeline's model id) changed.

Descriptors of different models are not comparable, so a search skips images whose `model` is not the one
that described the probe: after a switch, those persons are not found until their photos are described
again. This job does that in the background while the service keeps serving, in batches by image id:

1. the current model is learnt by describing the newest kept photo again (one call per pass);
2. each image of another model whose photo is kept is read from the object store, described, its vector
   replaced (same image id), then its row's `model` switched in SQL: the image is searchable again from that
   moment, never with a vector of one model under the row of another;
3. images that came by `imageUrl` have no photo to describe (Visage does not keep them): they stay on the
   old model, invisible to searches, and are counted as `not_kept` so an operator can add them again;
4. a photo the current pipeline finds no face in is counted and left as it is.

A pass that stops (crash, restart, store outage) leaves the rest on the old model: the next pass picks up
where it is, since it selects by model. Progress goes to the log as counts, rate and time left.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from libs.errors import FaceNotDetectedError, VisageError
from libs.identification.context import IdentificationContext
from libs.identification.probe import describe_one
from libs.identification.repository import groups as groups_sql
from libs.identification.repository import images as images_sql
from libs.stores.ports import Row, VectorRecord

_log = logging.getLogger(__name__)
BATCH = 100
PARALLEL = 2  # photos described at once: the live traffic keeps the rest of the descriptor service


@dataclass
class RedescribeReport:
    model: str | None = None  # the current model; None when there was nothing to ask it with
    redescribed: int = 0
    not_kept: int = 0  # came by imageUrl: nothing to describe again
    no_face: int = 0
    failed: int = 0  # store or descriptor service failures: retried by the next pass
    left: int = 0  # images of other models after the pass (not_kept and no_face among them)


class Redescriber:
    def __init__(self, ctx: IdentificationContext, batch: int = BATCH, parallel: int = PARALLEL) -> None:
        self._ctx = ctx
        self._batch = batch
        self._parallel = asyncio.Semaphore(parallel)

    async def run(self) -> RedescribeReport:
        report = RedescribeReport()
        database = self._ctx.database
        by_model = await images_sql.images_by_model(database)
        if len(by_model) == 0:
            return report
        report.model = await self._current_model()
        if report.model is None:
            return report
        total = sum(count for model, count in by_model.items() if model != report.model)
        if total == 0:
            return report
        _log.info("describing %d images again with %s (found on %s)", total, report.model, sorted(by_model))
        started, after = time.monotonic(), ""
        while rows := await images_sql.images_of_other_models(database, report.model, after, self._batch):
            after = rows[-1]["id"]
            await asyncio.gather(*(self._one(row, report) for row in rows))
            done = report.redescribed + report.not_kept + report.no_face + report.failed
            rate = report.redescribed / max(time.monotonic() - started, 1e-9)
            left = (total - done) / rate if rate else float("inf")
            _log.info(
                "re-describe: %d of %d done (%d described, %d without a kept photo, %d without a face,"
                " %d failed), %.1f images/s, about %.0f s left",
                done, total, report.redescribed, report.not_kept, report.no_face, report.failed, rate, left,
            )  # fmt: skip
        by_model = await images_sql.images_by_model(database)
        report.left = sum(count for model, count in by_model.items() if model != report.model)
        if report.not_kept:
            _log.warning(
                "%d images came by imageUrl and were not kept: they stay on their old model and cannot be"
                " searched until their photos are added again",
                report.not_kept,
            )
        return report

    async def _current_model(self) -> str | None:
        row = await images_sql.newest_kept_image(self._ctx.database)
        if row is None:
            return None
        data, _ = await self._ctx.store_call("object store get", self._ctx.objects.get(row["object_key"]))
        _, model = await describe_one(self._ctx, data, "stored photo")
        return model

    async def _one(self, row: Row, report: RedescribeReport) -> None:
        if row["object_key"] is None:
            report.not_kept += 1
            return
        ctx = self._ctx
        async with self._parallel:
            try:
                data, _ = await ctx.store_call("object store get", ctx.objects.get(row["object_key"]))
                faces, model = await describe_one(ctx, data, f"image {row['id']}")
                if model != report.model:  # the model changed again during the pass: the next pass goes on
                    report.failed += 1
                    return
                synced = await groups_sql.groups_and_version(ctx.database, row["person_id"])
                if synced is None:
                    return  # deleted meanwhile
                vector = faces.faces[0].descriptor
                record = VectorRecord(row["id"], row["person_id"], vector, synced[0], row["tenant"])
                await ctx.store_call("vector index upsert", ctx.vectors.upsert([record]))
                if await images_sql.set_model(ctx.database, row["id"], row["model"], model, ctx.now_ms()):
                    report.redescribed += 1
                elif await images_sql.image_model(ctx.database, row["id"]) != model:
                    # Deleted meanwhile (not described by another pass): its new vector must not outlive it.
                    removal = ctx.vectors.delete([row["id"]])
                    await ctx.store_call("vector index delete", removal, finishing=True)
            except FaceNotDetectedError:
                report.no_face += 1
            except VisageError as error:
                report.failed += 1
                _log.warning("image %s not described again: %s", row["id"], error.message)
