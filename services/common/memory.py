"""What a service process asks of the C library to keep its resident memory to what it uses (glibc, Linux)."""

from __future__ import annotations

import ctypes
import ctypes.util


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    return None if name is None else ctypes.CDLL(name, use_errno=True)


def release_free_heap() -> None:
    """Hand the heap freed after loading back to the OS (glibc keeps it otherwise).

    Preparing a model (fp32 weights folded, shapes inferred, the protobuf copied) leaves large freed blocks in
    the heap: matching (YuNet and SFace) held 373 MiB after loading and 206 MiB after this call."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):  # glibc only; elsewhere there is nothing to do
        libc.malloc_trim(0)


# prctl(2) option: no transparent huge pages for this process and the threads and children it starts.
_PR_SET_THP_DISABLE = 41


def disable_transparent_huge_pages() -> None:
    """Keep the process's resident memory to what it uses: no transparent huge pages (Linux only).

    NumPy asks for huge pages on every array of 4 MiB or more (madvise); once such an array is freed, glibc
    keeps the range in its heap and khugepaged later fills it back into 2 MiB pages, resident again though
    nothing uses it. An idle liveness service grew 250 -> 286 MiB that way (48 MiB AnonHugePages) and the soak
    read its memory as a leak. Inference gains nothing from them here: detecting, describing and scoring 8
    photos took 20.7 ms a photo with huge pages, 19.9 ms without (medians, one process, alternating)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "prctl"):
        libc.prctl(_PR_SET_THP_DISABLE, 1, 0, 0, 0)
