"""Bounds on the work one piece of Markdown can cost, whatever it contains.

Python-Markdown is not linear: every unmatched `[` (or `![`, `[^`, `](`) scans to the end of its
block, so 20,000 of them cost minutes, and every nesting level (lists, quotes) is a level of
Python recursion, so deep nesting raises RecursionError. Two layers keep rendering bounded:

1. `neutralize_markdown`, a linear pre-pass over the source that changes only pathological
   input: it escapes brackets and parentheses nested deeper than `BRACKET_DEPTH` and, once a
   block's unmatched openers would cost more than a budget of scanning, those too (an escaped
   `\\[` renders exactly like an unmatched `[`); it caps leading indentation and the container
   markers (`>`, list bullets) opening one line, so nesting stays under `MAX_NESTING` levels.
   Fenced code and code spans are left as written.
2. `run_with_time_limit`, the backstop that does not depend on knowing every slow construct:
   the render runs in a forked child that is killed at the deadline, and any exception in it
   (RecursionError included) comes back as a `RenderFailed` with a reason.

Which lines are fenced code comes from `apps.core.markdown_lines`, the line toolkit every reader
of guide source shares.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import pickle
import re
import select
import signal
import struct
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from apps.core.markdown_lines import fenced_lines

# Container levels (quotes, list items) one line may open on top of its indentation. Python's
# default recursion limit is reached near 150 levels; 16 is more than any document needs.
MAX_NESTING = 16
# Leading whitespace beyond this many columns (20 levels of four-space nesting) is cut.
MAX_INDENT = 80
# Brackets and parentheses nested deeper than this are escaped.
BRACKET_DEPTH = 8
# Characters Python-Markdown may scan for the unmatched openers of one block, and in all.
BLOCK_SCAN_BUDGET = 50_000
TOTAL_SCAN_BUDGET = 1_000_000


class RenderFailed(Exception):
    """The bounded call did not finish: it ran out of time, or raised; the message says which."""


# --------------------------------------------------------------------------------------------
# The pre-pass
# --------------------------------------------------------------------------------------------

_SPACE = " \t"
_CONTAINER_START = frozenset(" \t>-*+0123456789")
_PAIRS = {"[": "]", "(": ")"}
_CLOSERS = {"]": "[", ")": "("}
_TAG_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/!?")


def _cap_containers(line: str) -> str:
    """Cut leading indentation to MAX_INDENT columns and escape the container marker that would
    open level MAX_NESTING + 1 on this line."""
    indent_end = len(line) - len(line.lstrip(_SPACE))
    if indent_end and len(line[:indent_end].expandtabs(4)) > MAX_INDENT:
        line = " " * MAX_INDENT + line[indent_end:]
        indent_end = MAX_INDENT
    position, depth = indent_end, 0
    while position < len(line):
        char = line[position]
        marker_end = position
        bullet = char in "-*+" and position + 1 < len(line) and line[position + 1] in _SPACE
        if char == ">" or bullet:
            marker_end = position + 1
        elif char.isdigit():
            digits_end = position
            while (
                digits_end < len(line) and digits_end - position < 10 and line[digits_end].isdigit()
            ):
                digits_end += 1
            if (
                digits_end < len(line)
                and line[digits_end] in ".)"
                and (digits_end + 1 == len(line) or line[digits_end + 1] in _SPACE)
            ):
                marker_end = digits_end + 1
        if marker_end == position:
            break
        depth += 1
        if depth > MAX_NESTING:
            return line[:position] + "\\" + line[position:]
        # Whitespace between markers counts too: cap it so it cannot nest code blocks.
        after = marker_end
        while after < len(line) and line[after] in _SPACE:
            after += 1
        if after - marker_end > 4:
            line = line[:marker_end] + " " + line[after:]
            after = marker_end + 1
        position = after
    return line


def _code_spans(line: str) -> list[tuple[int, int]]:
    """[start, end) of the code spans of one line: a backtick run closed by the next run of the
    same length. Linear: each run looks up its partner in a table built right to left."""
    runs: list[tuple[int, int]] = []
    position = 0
    while (position := line.find("`", position)) >= 0:
        end = position
        while end < len(line) and line[end] == "`":
            end += 1
        runs.append((position, end - position))
        position = end
    partner: list[int | None] = [None] * len(runs)
    next_of_length: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        partner[index] = next_of_length.get(runs[index][1])
        next_of_length[runs[index][1]] = index
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        closing = partner[index]
        if closing is None:
            index += 1
            continue
        spans.append((runs[index][0], runs[closing][0] + runs[closing][1]))
        index = closing + 1
    return spans


_INTERESTING = re.compile(r"[\\\[\]()<>]")


def _brackets(line: str) -> tuple[set[int], list[int]]:
    """Positions to escape because they nest too deep, and openers left unmatched in the line:
    `[` and `(` without their closer, `<` starting a tag that has no `>` before the next `<`
    (Python's HTML parser, which Python-Markdown uses, rescans the rest for each of those)."""
    escape: set[int] = set()
    tags: list[int] = []
    closes: list[int] = []
    stacks: dict[str, list[tuple[int, bool]]] = {"[": [], "(": []}
    spans = _code_spans(line) if "`" in line else []
    span_index = 0
    skip_to = 0
    length = len(line)
    for match in _INTERESTING.finditer(line):
        position = match.start()
        if position < skip_to:
            continue
        while span_index < len(spans) and spans[span_index][1] <= position:
            span_index += 1
        if span_index < len(spans) and spans[span_index][0] <= position:
            skip_to = spans[span_index][1]
            continue
        char = line[position]
        if char == "\\":
            skip_to = position + 2
        elif char == "<":
            if position + 1 < length and line[position + 1] in _TAG_START:
                tags.append(position)
        elif char == ">":
            closes.append(position)
        elif char in _PAIRS:
            stack = stacks[char]
            too_deep = len(stack) >= BRACKET_DEPTH
            stack.append((position, too_deep))
            if too_deep:
                escape.add(position)
        else:
            stack = stacks[_CLOSERS[char]]
            if stack:
                _opened, too_deep = stack.pop()
                if too_deep:
                    escape.add(position)
    unmatched = [
        position for stack in stacks.values() for position, too_deep in stack if not too_deep
    ]
    following = 0
    for index, tag in enumerate(tags):
        while following < len(closes) and closes[following] < tag:
            following += 1
        next_tag = tags[index + 1] if index + 1 < len(tags) else length
        if following == len(closes) or closes[following] > next_tag:
            unmatched.append(tag)
    return escape, sorted(unmatched)


def _escaped(line: str, positions: set[int]) -> str:
    """`line` with a backslash before each bracket at `positions`; a `<` there becomes `&lt;`
    (Markdown has no backslash escape for it)."""
    if not positions:
        return line
    parts: list[str] = []
    previous = 0
    for position in sorted(positions):
        parts.append(line[previous:position])
        if line[position] == "<":
            parts.append("&lt;")
            previous = position + 1
        else:
            parts.append("\\")
            previous = position
    parts.append(line[previous:])
    return "".join(parts)


def neutralize_markdown(text: str) -> str:
    """Return `text` with the constructs that make Python-Markdown slow or recursive defused.

    Linear in the length of `text`; ordinary documents come back unchanged."""
    lines = text.split("\n")
    fenced = fenced_lines(lines, unclosed="ignored")
    escapes: dict[int, set[int]] = {}
    spent = 0
    block: list[tuple[int, list[int]]] = []
    block_chars = 0

    def close_block() -> None:
        nonlocal spent
        openers = sum(len(unmatched) for _number, unmatched in block)
        cost = openers * block_chars
        if cost > BLOCK_SCAN_BUDGET or spent + cost > TOTAL_SCAN_BUDGET:
            for number, unmatched in block:
                escapes.setdefault(number, set()).update(unmatched)
        else:
            spent += cost

    for number, line in enumerate(lines):
        if fenced[number] or not line.strip():
            close_block()
            block, block_chars = [], 0
            continue
        if line[0] in _CONTAINER_START:
            line = lines[number] = _cap_containers(line)
        if "[" in line or "(" in line or "<" in line:
            too_deep, unmatched = _brackets(line)
            if too_deep:
                escapes[number] = too_deep
            if unmatched:
                block.append((number, unmatched))
        block_chars += len(line) + 1
    close_block()
    for number, positions in escapes.items():
        lines[number] = _escaped(lines[number], positions)
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The backstop
# --------------------------------------------------------------------------------------------


def _outcome(function: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> bytes:
    """In a child: the pickled ("ok", result) or ("error", reason) of one call."""
    try:
        return pickle.dumps(("ok", function(*args, **kwargs)))
    except RecursionError:
        return pickle.dumps(("error", "it nests too deeply to render"))
    except BaseException as error:
        message = str(error) or type(error).__name__
        if not isinstance(error, Exception):
            traceback.print_exc()
        return pickle.dumps(("error", message, type(error).__name__))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fork() -> int:
    with warnings.catch_warnings():
        # Python 3.12 warns about fork() in a process with threads (gunicorn, runserver). The
        # child only computes and writes to a pipe, so no lock held by another thread matters.
        warnings.simplefilter("ignore", DeprecationWarning)
        # What the child inherits (all of Django) goes to the permanent generation for the
        # fork, so the child's collections never walk it (nor write to its pages, copying
        # them); the parent takes it back at once. Python's gc documentation advises this.
        gc.freeze()
        try:
            pid = os.fork()
        except BaseException:
            gc.unfreeze()
            raise
    if pid:
        gc.unfreeze()
    return pid


def _read_until(fd: int, deadline: float) -> bool:
    """Wait for `fd` to be readable until `deadline`; False when it passed first."""
    while True:
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(remaining, 0))
        if ready:
            return True
        if remaining <= 0:
            return False


def _kill_and_reap(pid: int, *, kill: bool) -> None:
    if kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def run_with_time_limit[T](
    function: Callable[..., T], *args: Any, seconds: float, **kwargs: Any
) -> T:
    """Call `function(*args, **kwargs)` in a forked child and return its (picklable) result.

    The child is killed when `seconds` of wall-clock time have passed. RenderFailed is raised for
    a timeout, for any exception in the child (its message is kept) and for a child that died.
    A fork, not a thread: a thread cannot be stopped, and a regular expression in C holds the
    interpreter until it finishes. Nothing in the child touches the database or open files: it
    leaves with os._exit, so no atexit handler or connection teardown runs there."""
    deadline = time.monotonic() + seconds
    read_end, write_end = os.pipe()
    pid = _fork()
    if pid == 0:  # pragma: no cover - the child; its work is checked through the parent
        os.close(read_end)
        code = 0
        try:
            _write_all(write_end, _outcome(function, args, kwargs))
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks: list[bytes] = []
    timed_out = False
    try:
        while True:
            if not _read_until(read_end, deadline):
                timed_out = True
                break
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        _kill_and_reap(pid, kill=timed_out)
    if timed_out:
        raise RenderFailed(f"it takes longer than the {seconds:g}-second limit to render")
    if not chunks:
        raise RenderFailed("the renderer stopped without a result (out of memory?)")
    result = pickle.loads(b"".join(chunks))  # noqa: S301 - written by our own child process
    if result[0] == "ok":
        return result[1]  # type: ignore[no-any-return]
    raise RenderFailed(result[1])


_LENGTH = struct.Struct("!Q")


def run_each_with_time_limit[T](
    function: Callable[..., T], calls: Sequence[tuple], *, seconds: float
) -> Iterator[T | RenderFailed]:
    """`function(*call)` for every call, in order, each under the bound of `run_with_time_limit`,
    yielding the result or the RenderFailed (not raised) of each.

    One forked child runs the calls one after another, so what a call warms up (imported
    modules, lexers, caches) serves the next ones: a fork per call repeated that work and cost
    more than the rendering itself. The child is forked before this returns, so several of these
    iterators render side by side, and it runs ahead of the caller by what the pipe holds
    (`RUN_AHEAD_BYTES`): a caller that writes each result to a database meanwhile does not keep
    it waiting. Each call still has its own `seconds`, counted from the moment the caller asks for
    its result (it may have started earlier, while the caller was busy with the previous one: a
    caller slow to ask, say one reading several of these in turn, never makes a call fail); a
    call that runs out of time, or kills its child, fails alone, and a new child takes the calls
    after it. Closing the iterator early kills the child."""
    stream = _each_with_time_limit(function, calls, seconds=seconds)
    next(stream)  # runs up to the first fork
    return stream  # type: ignore[return-value]


# What a child may write before the caller reads it (a pipe holds 64 KiB by default; the pickled
# render of a 130 KB guide is about 600 KB). Linux caps it at /proc/sys/fs/pipe-max-size.
RUN_AHEAD_BYTES = 1 << 20


def _each_with_time_limit[T](
    function: Callable[..., T], calls: Sequence[tuple], *, seconds: float
) -> Iterator[T | RenderFailed | None]:
    """The generator behind `run_each_with_time_limit`: yields None once its first child is
    forked (inside the try, so that closing it then still reaps the child), then the outcomes."""
    start = 0
    primed = False
    if not calls:
        yield None
        return
    while start < len(calls):
        read_end, write_end = os.pipe()
        with contextlib.suppress(OSError):  # a smaller pipe only means less running ahead
            fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, RUN_AHEAD_BYTES)
        pid = _fork()
        if pid == 0:  # pragma: no cover - the child; its work is checked through the parent
            os.close(read_end)
            code = 0
            try:
                for call in calls[start:]:
                    payload = _outcome(function, call, {})
                    _write_all(write_end, _LENGTH.pack(len(payload)) + payload)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(write_end)
        failed: RenderFailed | None = None
        try:
            if not primed:
                primed = True
                yield None
            # The child starts a call as soon as the previous result is written; a result
            # already waiting in the pipe is taken whenever the caller asks.
            deadline = time.monotonic() + seconds
            while start < len(calls):
                if not _read_until(read_end, deadline):
                    failed = RenderFailed(
                        f"it takes longer than the {seconds:g}-second limit to render"
                    )
                    break
                # Once the length has started to arrive, the call is finished: the rest is
                # only the transfer of its pickled result.
                header = _read_exactly(read_end, _LENGTH.size)
                payload = _read_exactly(read_end, _LENGTH.unpack(header)[0]) if header else b""
                if not payload:
                    failed = RenderFailed("the renderer stopped without a result (out of memory?)")
                    break
                result = pickle.loads(payload)  # noqa: S301 - written by our own child process
                start += 1
                yield result[1] if result[0] == "ok" else RenderFailed(result[1])
                deadline = time.monotonic() + seconds
        finally:
            os.close(read_end)
            _kill_and_reap(pid, kill=start < len(calls))
        if failed is not None:
            start += 1
            yield failed


def _read_exactly(fd: int, size: int) -> bytes:
    """`size` bytes from `fd`, or b"" when the writer died first."""
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return b""
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


# What a child started ahead may hold of outcomes nobody has taken yet, beyond what the pipe holds.
AHEAD_BUFFER_BYTES = 256 << 20


class Ahead:
    """Bounded calls made by a child forked before anyone knows what to ask of it.

    `start_ahead(plan, function)` forks a child that runs `plan()` (a list of (name,
    fingerprint, call)) and then `function(*call)` for each, in order, keeping every outcome
    until the caller takes it: unlike `run_each_with_time_limit` it does not wait to be read, so
    it can work while its parent is busy with something else (a command setting Django up). The
    caller asks for outcomes by name and fingerprint (`take`), in the plan's order, skipping
    any it does not need. Whatever the child cannot answer in time, or answers for a different
    fingerprint, or left out of its plan, `take` returns as MISSING: the caller computes that
    one itself, under its own bound. Every wait is bounded by `seconds`, after which the child
    is killed. `close` kills and reaps it."""

    MISSING: Any = object()

    def __init__(self, pid: int, read_end: int, waiting: Any) -> None:
        self.pid, self.read_end = pid, read_end
        self.plan: dict[str, int] | None = None  # name -> position in the plan
        self.position = 0  # of the next outcome in the pipe
        self.waiting = waiting  # one byte shared with the child: 1 while this process waits

    @property
    def is_open(self) -> bool:
        return self.read_end >= 0

    def take(self, name: str, fingerprint: str, *, seconds: float) -> Any:
        """The outcome (result, or RenderFailed) of the planned call `name`, or MISSING."""
        deadline = time.monotonic() + seconds
        if self.plan is None:
            plan = self._read(deadline)
            self.plan = (
                {entry: index for index, entry in enumerate(plan)} if isinstance(plan, list) else {}
            )
        wanted = self.plan.get(name)
        if wanted is None or wanted < self.position:
            return self.MISSING
        while self.is_open:
            entry = self._read(deadline)
            if entry is None:
                break
            self.position += 1
            entry_name, entry_fingerprint, payload = entry
            if entry_name != name:
                continue  # an outcome the caller does not need: never unpickled
            if entry_fingerprint != fingerprint:
                return self.MISSING
            result = pickle.loads(payload)  # noqa: S301 - written by our own child process
            return result[1] if result[0] == "ok" else RenderFailed(result[1])
        return self.MISSING

    def _read(self, deadline: float) -> Any:
        """The next message, or None (and the child killed) when none comes in time."""
        if self.is_open and self._ready(deadline):
            header = _read_exactly(self.read_end, _LENGTH.size)
            payload = _read_exactly(self.read_end, _LENGTH.unpack(header)[0]) if header else b""
            if payload:
                return pickle.loads(payload)  # noqa: S301 - written by our own child process
        self.close()
        return None

    def _ready(self, deadline: float) -> bool:
        if select.select([self.read_end], [], [], 0)[0]:
            return True
        self.waiting[0] = 1  # the child can tell (see `caller_waiting`)
        try:
            return _read_until(self.read_end, deadline)
        finally:
            self.waiting[0] = 0

    def close(self) -> None:
        if self.is_open:
            os.close(self.read_end)
            self.read_end = -1
            _kill_and_reap(self.pid, kill=True)
            self.waiting.close()


# In a child started ahead: the byte its parent sets while it waits for an outcome.
_caller_waiting: Any = None


def caller_waiting() -> bool:
    """In a call made ahead (see `Ahead`): whether the caller is waiting for an outcome right
    now, so that work it could do itself (a derivation of the result) is better left to it.
    False anywhere else."""
    return _caller_waiting is not None and _caller_waiting[0] == 1


def start_ahead(
    plan: Callable[[], list[tuple[str, str, tuple]]],
    function: Callable[..., Any],
    *,
    buffer_bytes: int = AHEAD_BUFFER_BYTES,
) -> Ahead:
    """Fork the child of an `Ahead` (see there) and return at once."""
    import mmap

    global _caller_waiting
    read_end, write_end = os.pipe()
    with contextlib.suppress(OSError):
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, RUN_AHEAD_BYTES)
    waiting = mmap.mmap(-1, 1)  # shared with the child (MAP_SHARED)
    pid = _fork()
    if pid == 0:  # pragma: no cover - the child; its work is checked through the parent
        os.close(read_end)
        _caller_waiting = waiting
        code = 0
        try:
            _ahead_child(plan, function, write_end, buffer_bytes)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    return Ahead(pid, read_end, waiting)


def _ahead_child(
    plan: Callable[[], list[tuple[str, str, tuple]]],
    function: Callable[..., Any],
    fd: int,
    buffer_bytes: int,
) -> None:  # pragma: no cover - runs in the child
    """Compute, while a thread writes what is computed to the pipe as fast as the parent reads
    it; computing pauses while more than `buffer_bytes` wait to be read."""
    import queue
    import threading

    waiting: queue.Queue[bytes | None] = queue.Queue()
    room = threading.Condition()
    state = {"held": 0, "broken": False}

    def send(message: object) -> None:
        data = pickle.dumps(message)
        data = _LENGTH.pack(len(data)) + data
        with room:
            room.wait_for(lambda: state["held"] < buffer_bytes or state["broken"])
            state["held"] += len(data)
        waiting.put(data)

    def writer() -> None:
        while (data := waiting.get()) is not None:
            try:
                _write_all(fd, data)
            except OSError:  # the parent is gone or stopped reading
                with room:
                    state["broken"] = True
                    room.notify_all()
                return
            with room:
                state["held"] -= len(data)
                room.notify_all()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        calls = plan()
        send([name for name, _, _ in calls])
        for name, fingerprint, call in calls:
            if state["broken"]:
                break
            send((name, fingerprint, _outcome(function, call, {})))
    finally:
        waiting.put(None)
        thread.join()


# --------------------------------------------------------------------------------------------
# Mermaid
# --------------------------------------------------------------------------------------------


def strip_mermaid_config(source: str) -> str:
    """A Mermaid diagram without the parts that configure Mermaid itself: `%%{init: …}%%` (and
    every other `%%{…}%%` directive) and the `config:` of a YAML front matter. Through them a
    diagram could set `themeCSS`, `fontFamily` or `securityLevel` and style the page; the page's
    own configuration applies instead. A scan with str.find, linear in the source."""
    parts: list[str] = []
    position = 0
    while (start := source.find("%%{", position)) >= 0:
        parts.append(source[position:start])
        end = source.find("}%%", start + 3)
        if end < 0:
            # Unterminated: drop the rest of its line.
            line_end = source.find("\n", start)
            position = len(source) if line_end < 0 else line_end
        else:
            position = end + 3
    parts.append(source[position:])
    source = "".join(parts)
    lines = source.split("\n")
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].strip() == "---":
        close = next((n for n in range(first + 1, len(lines)) if lines[n].strip() == "---"), None)
        if close is not None:
            # Front matter: only its title stays.
            kept = [line for line in lines[first + 1 : close] if line.startswith("title:")]
            if kept:
                lines = [*lines[:first], "---", *kept, "---", *lines[close + 1 :]]
            else:
                lines = lines[:first] + lines[close + 1 :]
    return "\n".join(lines)
