"""The fork server's memory layout (:mod:`etrakit_tui.ssh.pagelayout`): packed code runs as
before, the order file names code the portal has, and the gaps between live objects are
taken (what a session would otherwise fill, copying the fork server's pages). What it saves
per session is measured by ``bench.ssh_sessions``, not here."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FunctionType

from etrakit_tui.ssh import pagelayout, zygote


def sample_functions() -> dict[str, FunctionType]:
    """Functions of every shape the portal has: defaults, keyword-only defaults, a closure,
    code nested in code (a comprehension, a lambda, an inner function), a generator, a
    method, and one that refers to itself by name."""
    scale = 3

    def scaled(values: list[int], *, by: int = scale) -> list[int]:
        return [v * by for v in values]

    def sorter(words: list[str]) -> list[str]:
        return sorted(words, key=lambda w: (len(w), w))

    def counter(start: int = 1) -> Callable[[], int]:
        state = [start]

        def step() -> int:
            state[0] += 1
            return state[0]

        return step

    def countdown(n: int) -> Iterator[int]:
        while n:
            yield n
            n -= 1

    class Greeter:
        def greet(self, name: str = "world") -> str:
            return f"hello {name}"

    def fact(n: int) -> int:
        return 1 if n <= 1 else n * fact(n - 1)

    greet = Greeter.__dict__["greet"]
    assert isinstance(greet, FunctionType)
    return {
        "scaled": scaled,
        "sorter": sorter,
        "counter": counter,
        "countdown": countdown,
        "greet": greet,
        "fact": fact,
    }


def results(functions: dict[str, FunctionType]) -> list[object]:
    step = functions["counter"](5)
    return [
        functions["scaled"]([1, 2]),
        functions["scaled"]([1, 2], by=10),
        functions["sorter"](["ccc", "a", "bb", "aa"]),
        [step(), step()],
        list(functions["countdown"](3)),
        functions["greet"](None),
        functions["greet"](None, "Hemet"),
        functions["fact"](5),
    ]


def test_packed_code_runs_as_before_and_only_what_is_named_moves() -> None:
    functions = sample_functions()
    before = results(functions)
    codes = {name: f.__code__ for name, f in functions.items()}
    module = __name__
    hot = {
        f"{module}:{functions['scaled'].__code__.co_qualname}",
        f"{module}:{functions['greet'].__code__.co_qualname}",
        f"{module}:{functions['fact'].__code__.co_qualname}",
        f"{module}:sample_functions.<locals>.sorter.<locals>.<lambda>",  # nested only
        f"{module}:sample_functions.<locals>.counter.<locals>.step",  # nested only
        f"{module}:no.such.function",  # an old name: skipped
    }
    moved = pagelayout.pack_hot_code(functions.values(), hot)

    assert moved == 5
    assert functions["countdown"].__code__ is codes["countdown"]  # not named: left alone
    for name in ("scaled", "greet", "fact", "sorter", "counter"):
        packed = functions[name].__code__
        assert packed is not codes[name]
        assert packed.co_code == codes[name].co_code
        assert packed.co_qualname == codes[name].co_qualname
    # a function holding named code gets a copy of itself holding the copy
    (lam,) = [c for c in functions["sorter"].__code__.co_consts if hasattr(c, "co_code")]
    (old_lam,) = [c for c in codes["sorter"].co_consts if hasattr(c, "co_code")]
    assert lam is not old_lam and lam.co_code == old_lam.co_code
    assert results(functions) == before
    # Packing twice names the same code: the copies are copied, and still run the same.
    assert pagelayout.pack_hot_code(functions.values(), hot) == 5
    assert results(functions) == before


def test_a_missing_order_file_packs_nothing(tmp_path: Path) -> None:
    assert pagelayout.read_hot_code(tmp_path / "gone.txt") == frozenset()
    functions = sample_functions()
    codes = {name: f.__code__ for name, f in functions.items()}
    assert pagelayout.pack_hot_code(functions.values(), frozenset()) == 0
    assert {name: f.__code__ for name, f in functions.items()} == codes


def test_the_order_file_names_code_the_portal_has() -> None:
    """Written by ``python -m bench.hot_code`` from a real session; this fails when the
    portal (or a pinned library) changed so much since that most of it no longer packs."""
    names = pagelayout.read_hot_code()
    assert len(names) > 1000, "hot_code.txt is missing or nearly empty"
    zygote.preload("sqlite", demo=True)
    known = set(pagelayout.code_keys(pagelayout.loaded_functions()).values())
    missing = sorted(names - known)
    assert len(missing) <= len(names) // 10, (
        f"{len(missing)} of {len(names)} names in hot_code.txt are gone (run "
        f"`python -m bench.hot_code`), e.g. {missing[:5]}"
    )
    # the code a session always runs is named
    assert "textual.app:App._process_messages" in names
    assert "etrakit_tui.tui.screens.login:LoginScreen.compose" in names


GAPS_SCRIPT = """
import json, sys
from etrakit_tui.ssh import pagelayout

def gaps():
    heap = pagelayout.heap_gaps()
    pools = pagelayout.small_object_gaps()
    return {"heap": heap, "blocks": sum(s * n for s, n in pools.blocks)}

# holes: every other small object and every other 600-byte buffer freed
small = [(i, str(i)) for i in range(200_000)]
large = [bytearray(600) for _ in range(20_000)]
del small[::2], large[::2]
holes = gaps()
pagelayout.take_free_blocks()
print(json.dumps({"holes": holes, "taken": gaps()}))
"""


def test_the_gaps_between_live_objects_are_taken() -> None:
    """In a process of its own (what is taken is kept for good)."""
    done = subprocess.run(
        [sys.executable, "-c", GAPS_SCRIPT], capture_output=True, text=True, check=True
    )
    figures = json.loads(done.stdout)
    holes, taken = figures["holes"], figures["taken"]
    assert holes["blocks"] > 4_000_000  # ~100,000 freed tuples and strings
    assert taken["blocks"] < 1_000_000  # at most a pool being carved per size: 32 x 16 KiB
    if holes["heap"] is not None:  # glibc
        assert holes["heap"] > 5_000_000  # 10,000 freed buffers
        assert taken["heap"] < 200_000
