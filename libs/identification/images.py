"""A person's photos: add (with its descriptor), list, read back, delete.

Enrolment uses the face nearest the photo's centre, as Regula does; a photo without a face is refused
(400, FR_FACE_NOT_DETECTED). Photos sent as `content` are kept; photos named by `imageUrl` are downloaded,
described and dropped, so reading them back answers 404.
"""

from __future__ import annotations

from libs.errors import NotFoundError
from libs.identification.context import IdentificationContext
from libs.identification.photos import check_resize, load_upload, media_type, photo_to_store
from libs.identification.probe import describe_one
from libs.identification.records import Image, Page, PageRequest, Upload
from libs.identification.repository import images as images_sql
from libs.identification.repository import persons as persons_sql
from libs.identification.values import checked_id, new_id, page_bounds, total_pages
from libs.identification.writes import object_key, remove_image, store_image
from libs.usecases import FaceDescriptor


class Images:
    def __init__(self, ctx: IdentificationContext) -> None:
        self._ctx = ctx

    async def add(self, person_id: str, upload: Upload) -> Image:
        person_id = checked_id(person_id, "personId")
        check_resize(upload.resize)
        await self._require_person(person_id)  # before the download and the descriptor
        photo = await load_upload(self._ctx, upload)
        faces, model = await describe_one(self._ctx, photo.data, "image")
        return await self.enrol(person_id, photo.data, photo.kept, upload, faces.faces[0], model)

    async def enrol(
        self, person_id: str, data: bytes, kept: bool, upload: Upload, face: FaceDescriptor, model: str
    ) -> Image:
        """Store an already described photo as the person's image (also used by search's createPerson)."""
        if kept:
            stored, content_type = await photo_to_store(data, upload.resize, self._ctx.config.image_limits)
        else:
            stored, content_type = None, media_type(data)
        image_id = new_id()
        image = Image(
            id=image_id,
            person_id=person_id,
            content_type=content_type,
            object_key=object_key(self._ctx.tenant, person_id, image_id) if kept else None,
            metadata={},
            created_at=self._ctx.now_ms(),
            updated_at=None,
        )
        await store_image(self._ctx, image, face.descriptor, model, stored)
        return image

    async def list(self, person_id: str, paging: PageRequest) -> Page[Image]:
        person_id = checked_id(person_id, "personId")
        page, size = page_bounds(paging)
        await self._require_person(person_id)
        # The person was found in the caller's tenant just above; its images are its own.
        items, total = await images_sql.list_ready(self._ctx.database, person_id, (page - 1) * size, size)
        return Page(tuple(items), page, total_pages(total, size))

    async def photo(self, person_id: str, image_id: str) -> tuple[bytes, str]:
        """The stored photo's bytes and media type."""
        person_id = checked_id(person_id, "personId")
        image_id = checked_id(image_id, "imageId")
        image = await images_sql.get_ready(
            self._ctx.database, person_id, image_id, self._ctx.now_ms(), self._ctx.tenant
        )
        if image is None:
            await self._require_person(person_id)
            raise NotFoundError(f"person {person_id} has no image {image_id}")
        if image.object_key is None:
            raise NotFoundError(f"image {image_id} was added by imageUrl; its photo was not kept")
        data, _ = await self._ctx.store_call("object store get", self._ctx.objects.get(image.object_key))
        return data, image.content_type

    async def delete(self, person_id: str, image_id: str) -> None:
        person_id = checked_id(person_id, "personId")
        image_id = checked_id(image_id, "imageId")
        now = self._ctx.now_ms()
        found, key = await images_sql.mark_deleting(
            self._ctx.database, person_id, image_id, now, self._ctx.tenant
        )
        if not found:
            await self._require_person(person_id)
            raise NotFoundError(f"person {person_id} has no image {image_id}")
        await remove_image(self._ctx, image_id, key)

    async def _require_person(self, person_id: str) -> None:
        ctx = self._ctx
        if await persons_sql.visible_person_row(ctx.database, person_id, ctx.now_ms(), ctx.tenant) is None:
            raise NotFoundError(f"person {person_id} not found")
