"""The one error hierarchy of Visage.

Every domain error knows its gRPC status code, its HTTP status and, where the Regula API has one, its
`FaceSDKResultCode`. Services and the gateway translate errors only through `libs.rpc.status` (gRPC) and the
gateway's error handler, both of which read these attributes: no handler maps status codes by hand.
"""

from __future__ import annotations

from enum import IntEnum

import grpc


class FaceSDKResultCode(IntEnum):
    """Result codes of the Regula Face SDK API (wire values)."""

    FACER_OK = 0
    FR_IMAGE_EMPTY = 1
    FR_FACE_NOT_DETECTED = 2
    FR_LANDMARKS_NOT_DETECTED = 3
    FR_FACE_ALIGHNER_FAILED = 4
    FR_DESCRIPTOR_EXTRACTOR_ERROR = 5
    FR_IMAGE_DECODE_ERROR = 6
    FR_INTERNAL_ERROR = 7
    FACER_CONFIG_ERROR = 199
    FACER_NO_LICENSE = 200
    FACER_IS_NOT_INITIALIZED = 201
    FACER_COMMAND_IS_NOT_SUPPORTED = 202
    FACER_COMMAND_PARAMS_READ_ERROR = 203
    FACER_LESS_THAN_TWO_IMAGES_IN_REQUEST = 224
    FACER_VIDEO_DECODE_ERROR = 227
    FACER_NOT_ENOUGH_FRAMES = 228
    FACER_OUTPUT_IS_NOT_DEFINED = 229
    FACER_IMAGES_COUNT_LIMIT_EXCEEDED = 238
    FACER_TIMEOUT_LIVENESS_TRANSACTION = 250
    FACER_FAILED_LIVENESS_TRANSACTION = 251
    FACER_GENERAL_ERROR = 253
    # Liveness decisions (libs/liveness): the first failed check's code.
    FACER_LOW_QUALITY = 231
    FACER_FACES_NOT_MATCHED = 237
    FACER_ABORTED_LIVENESS_TRANSACTION = 252
    FACER_PASSIVE_LIVENESS_FAIL = 254
    # Visage's own, not Regula's (its enum ends at 254): a PASSIVE_WITH_BLINK transaction whose frames show no
    # blink (libs/liveness/PROTOCOL.md §4). TransactionInfo.code is a plain integer in Regula's spec.
    FACER_NO_BLINK = 255


class VisageError(Exception):
    """Base of all domain errors. Subclasses set the three codes."""

    grpc_code: grpc.StatusCode = grpc.StatusCode.INTERNAL
    http_status: int = 500
    result_code: FaceSDKResultCode = FaceSDKResultCode.FR_INTERNAL_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequestError(VisageError):
    """The request is malformed: wrong JSON, missing fields, out-of-range values."""

    grpc_code = grpc.StatusCode.INVALID_ARGUMENT
    http_status = 400
    result_code = FaceSDKResultCode.FACER_COMMAND_PARAMS_READ_ERROR


class ImageError(InvalidRequestError):
    """Base of the image decoding errors; all are the client's fault (HTTP 400)."""

    result_code = FaceSDKResultCode.FR_IMAGE_DECODE_ERROR


class EmptyImageError(ImageError):
    """No bytes at all."""

    result_code = FaceSDKResultCode.FR_IMAGE_EMPTY


class UnsupportedImageFormatError(ImageError):
    """Bytes that are not one of BMP, PNG, JPEG, TIFF, WebP, JPEG 2000."""


class CorruptImageError(ImageError):
    """A known format whose data is truncated or damaged."""


class ImageTooLargeError(ImageError):
    """Too many encoded bytes or too many pixels (a decompression bomb is refused before decoding)."""

    grpc_code = grpc.StatusCode.INVALID_ARGUMENT
    http_status = 413


class NotFoundError(VisageError):
    grpc_code = grpc.StatusCode.NOT_FOUND
    http_status = 404
    result_code = FaceSDKResultCode.FACER_COMMAND_PARAMS_READ_ERROR


class OverloadedError(VisageError):
    """Too many calls in flight; refused at once instead of queued."""

    grpc_code = grpc.StatusCode.RESOURCE_EXHAUSTED
    http_status = 503
    result_code = FaceSDKResultCode.FACER_GENERAL_ERROR


class RateLimitedError(OverloadedError):
    """An API key sent more requests (per second, or at once) than its limits allow."""

    http_status = 429

    def __init__(self, message: str, retry_after_seconds: int = 1) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class UnauthenticatedError(VisageError):
    """No API key, or one that is malformed, unknown or revoked."""

    grpc_code = grpc.StatusCode.UNAUTHENTICATED
    http_status = 401
    result_code = FaceSDKResultCode.FACER_GENERAL_ERROR


class PermissionDeniedError(VisageError):
    """The caller is known but may not do this (an API key without the scope the route needs)."""

    grpc_code = grpc.StatusCode.PERMISSION_DENIED
    http_status = 403
    result_code = FaceSDKResultCode.FACER_GENERAL_ERROR


class UnavailableError(VisageError):
    """A backend this call needs does not answer."""

    grpc_code = grpc.StatusCode.UNAVAILABLE
    http_status = 503
    result_code = FaceSDKResultCode.FACER_GENERAL_ERROR


class ModelFileError(VisageError):
    """A model file is missing or does not match its sha256."""

    grpc_code = grpc.StatusCode.FAILED_PRECONDITION
    http_status = 500
    result_code = FaceSDKResultCode.FACER_IS_NOT_INITIALIZED


class DeadlineExceededError(VisageError):
    """A backend did not answer within the call's deadline."""

    grpc_code = grpc.StatusCode.DEADLINE_EXCEEDED
    http_status = 504
    result_code = FaceSDKResultCode.FACER_GENERAL_ERROR


class TooFewImagesError(InvalidRequestError):
    """A comparison needs at least two images."""

    result_code = FaceSDKResultCode.FACER_LESS_THAN_TWO_IMAGES_IN_REQUEST


class ImagesCountLimitError(InvalidRequestError):
    """More images of one `ImageSource` type than the service allows in one request."""

    result_code = FaceSDKResultCode.FACER_IMAGES_COUNT_LIMIT_EXCEEDED


class FaceNotDetectedError(InvalidRequestError):
    """The photo must show a face (enrolment, search) and none was found."""

    result_code = FaceSDKResultCode.FR_FACE_NOT_DETECTED


class ImageFetchError(InvalidRequestError):
    """An `imageUrl` could not be downloaded: unreachable, an HTTP error status, a broken answer."""


class ImageUrlRefusedError(ImageFetchError):
    """An `imageUrl` (or a redirect) the fetcher will not contact: scheme, credentials, non-public address."""


class ImageDownloadTooLargeError(ImageFetchError):
    """An `imageUrl` download passed the size limit (declared or while streaming)."""


class ImageFetchTimeoutError(ImageFetchError):
    """An `imageUrl` download did not finish within its total deadline."""


class LivenessSignatureError(PermissionDeniedError):
    """A liveness submission whose signature does not match: altered, wrong key, or another transaction's."""

    result_code = FaceSDKResultCode.FACER_FAILED_LIVENESS_TRANSACTION


class LivenessAlreadySubmittedError(VisageError):
    """A second submission (or a replay) for a liveness transaction that was already submitted."""

    grpc_code = grpc.StatusCode.ALREADY_EXISTS
    http_status = 409
    result_code = FaceSDKResultCode.FACER_FAILED_LIVENESS_TRANSACTION


class LivenessTransactionExpiredError(VisageError):
    """A submission after the liveness transaction's submission window closed."""

    grpc_code = grpc.StatusCode.FAILED_PRECONDITION
    http_status = 410
    result_code = FaceSDKResultCode.FACER_TIMEOUT_LIVENESS_TRANSACTION


class LivenessNotConfirmedError(InvalidRequestError):
    """A liveness transaction used as a match input whose liveness was not (or not yet) confirmed."""

    result_code = FaceSDKResultCode.FACER_FAILED_LIVENESS_TRANSACTION
