"""How the fork server (:mod:`etrakit_tui.ssh.zygote`) lays out its memory before it forks,
so that each session copies fewer of its pages.

A session shares the fork server's pages until it writes to one; the kernel then copies
that page (4 KiB) for the session alone. Two kinds of writes copy most of them:

- **Running code.** In CPython 3.11 a function's code object is written whenever it runs
  (warm-up counters, specialised instructions). The ~3,400 code objects a session runs sat
  among objects it never touches: ~1,800 pages copied for 1.4 MiB of code.
  :func:`pack_hot_code` copies those code objects next to each other and gives each
  function its copy; the originals are kept (freed, they would leave holes).
- **Taking a free block.** A new object takes the first free block that fits: a gap
  between the fork server's live objects, on a page that is then copied.
  :func:`take_free_blocks` takes those gaps (Python's small-object pools and the C heap's
  free chunks) and keeps them, so the sessions' objects land on new pages of their own.

Which code a session runs is named in ``hot_code.txt`` next to this module, one
``module:qualified name`` per line, written by ``python -m bench.hot_code`` from a real
session. A name the portal no longer has is skipped; a function missing from the file is
left where it is: an old file costs memory, never correctness. ``bench.ssh_sessions``
measures the effect (``bench/RESULTS.md``).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import re
import sys
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FunctionType

HOT_CODE = Path(__file__).with_name("hot_code.txt")

# What is taken or replaced stays alive for the fork server's life (never touched again).
_KEPT: list[object] = []

# Requests to the C heap, largest first: a big free chunk is taken by big blocks, what is
# left of it by smaller ones. Below glibc's mmap threshold (128 KiB, set by the zygote).
HEAP_SIZES = (65536, 32768, 16384, 8192, 4096, 2048, *range(1024, 16, -16))
HEAP_SLACK = 1 << 20  # bytes taken beyond the free chunks counted at the start: then stop

_SIZE_CLASS = re.compile(r"^\s*\d+\s+(\d+)\s+\d+\s+\d+\s+(\d+)\s*$")
_UNUSED_POOLS = re.compile(r"^(\d+) unused pools \* (\d+) bytes")
_LARGEST_BLOCK = 512  # CPython's small-object threshold


def read_hot_code(path: Path = HOT_CODE) -> frozenset[str]:
    """The names in the order file (comments and blank lines skipped); none if it is gone."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def code_key(module: str, code: CodeType) -> str:
    """A code object's name in the order file: its function's module and qualified name."""
    return f"{module}:{code.co_qualname}"


def loaded_functions() -> list[FunctionType]:
    """Every Python function alive now (before ``gc.freeze()``: frozen ones are not listed)."""
    return [obj for obj in gc.get_objects() if type(obj) is FunctionType]


def code_keys(functions: Iterable[FunctionType]) -> dict[int, str]:
    """``id(code)`` -> name, for the functions' code objects and the ones nested in them
    (comprehensions, lambdas, inner functions)."""
    keys: dict[int, str] = {}

    def visit(code: CodeType, module: str) -> None:
        if id(code) in keys:
            return
        keys[id(code)] = code_key(module, code)
        for const in code.co_consts:
            if isinstance(const, CodeType):
                visit(const, module)

    for function in functions:
        visit(function.__code__, function.__module__ or "")
    return keys


def pack_hot_code(functions: Iterable[FunctionType], hot: Collection[str]) -> int:
    """Give each function whose code (or code nested in it) is named in ``hot`` a fresh copy
    of that code, allocated now, next to the other copies. Returns how many functions got
    one. Call it once, after the imports and :func:`take_free_blocks` (or the copies fill
    the gaps, scattered again)."""
    copies: dict[int, CodeType] = {}
    originals: list[CodeType] = []

    def copy(code: CodeType, module: str) -> CodeType:
        done = copies.get(id(code))
        if done is not None:
            return done
        consts = tuple(
            copy(const, module) if isinstance(const, CodeType) else const
            for const in code.co_consts
        )
        nested = any(new is not old for new, old in zip(consts, code.co_consts, strict=True))
        packed = code
        if nested or code_key(module, code) in hot:
            packed = code.replace(co_consts=consts)
            originals.append(code)
        copies[id(code)] = packed
        return packed

    count = 0
    for function in functions:
        code = function.__code__
        packed = copy(code, function.__module__ or "")
        if packed is not code:
            function.__code__ = packed
            count += 1
    _KEPT.append(originals)
    return count


def take_free_blocks() -> None:
    """Take the free gaps of the C heap, then of Python's small-object pools, and keep
    them. Nothing is done where the allocator is another (not glibc, ``PYTHONMALLOC``)."""
    _take_heap_chunks()
    _take_small_blocks()


def heap_gaps() -> int | None:
    """Bytes in the C heap's free chunks (its unused top not counted); None if not glibc."""
    libc = _glibc()
    if libc is None:
        return None
    info = libc.mallinfo2()
    return int(info.fordblks) - int(info.keepcost)


@dataclass(frozen=True)
class PoolGaps:
    """Free room in Python's small-object allocator."""

    blocks: list[tuple[int, int]]  # (block size, free blocks) in the pools in use
    unused_pools: int  # pools of the arenas not in use by any size
    pool_size: int


def small_object_gaps() -> PoolGaps:
    """What Python's small-object allocator has free (nothing if it is not in use)."""
    try:
        report = _allocator_report()
    except (OSError, AttributeError):
        return PoolGaps([], 0, 0)
    blocks: list[tuple[int, int]] = []
    unused, pool_size = 0, 0
    for line in report.splitlines():
        if match := _SIZE_CLASS.match(line):
            blocks.append((int(match[1]), int(match[2])))
        elif match := _UNUSED_POOLS.match(line):
            unused, pool_size = int(match[1]), int(match[2])
    return PoolGaps(blocks, unused, pool_size)


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _glibc() -> ctypes.CDLL | None:
    """The C library with ``mallinfo2`` (glibc 2.33 or later) set up for calls, or None."""
    try:
        libc = ctypes.CDLL(None)
        mallinfo2, malloc, sbrk = libc.mallinfo2, libc.malloc, libc.sbrk
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2
    malloc.restype = ctypes.c_void_p
    malloc.argtypes = [ctypes.c_size_t]
    sbrk.restype = ctypes.c_void_p
    sbrk.argtypes = [ctypes.c_ssize_t]
    return libc


def _take_heap_chunks() -> None:
    """Allocate from the C heap, each size until a block comes from the heap's top (no free
    chunk left that fits it), and keep every block."""
    libc = _glibc()
    if libc is None:
        return
    info = libc.mallinfo2()
    budget = int(info.fordblks) - int(info.keepcost) + HEAP_SLACK
    top = int(libc.sbrk(0) or 0) - int(info.keepcost)  # where the heap's unused top begins
    blocks: list[int] = []
    taken = 0
    for size in HEAP_SIZES:
        while taken < budget:
            block = libc.malloc(size)
            if not block:
                break
            blocks.append(int(block))
            taken += size
            if block >= top:  # from the top: no gap of this size is left below it
                top = int(block) + size
                break
    _KEPT.append(blocks)


def _allocator_report() -> str:
    """What ``sys._debugmallocstats()`` prints (to descriptor 2), read back from memory."""
    report = os.memfd_create("mallocstats")
    saved = os.dup(2)
    try:
        with contextlib.suppress(ValueError, OSError):
            sys.stderr.flush()
        os.dup2(report, 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
        os.lseek(report, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(report, 65536):
            chunks.append(chunk)
        return b"".join(chunks).decode("ascii", "replace")
    finally:
        os.close(saved)
        os.close(report)


def _small_object(size: int, index: int) -> object:
    """A new object that takes one block of ``size`` bytes in Python's small-object pools."""
    if size == 16:
        return object()
    if size == 32:
        return 1000 + index  # a one-digit int (28 bytes), never a cached one
    return bytes(size - 33)  # 33 bytes of header; at least 15 here, so never a cached one


def _take_small_blocks() -> None:
    """Take every free block of the pools in use, and every unused pool of the arenas (as
    blocks of the largest size): the next small objects come from new arenas."""
    gaps = small_object_gaps()
    wanted = [*gaps.blocks, (_LARGEST_BLOCK, gaps.unused_pools * gaps.pool_size // _LARGEST_BLOCK)]
    blocks: list[object] = [None] * sum(count for _, count in wanted)
    index = 0
    for size, count in wanted:
        for _ in range(count):
            blocks[index] = _small_object(size, index)
            index += 1
    _KEPT.append(blocks)
