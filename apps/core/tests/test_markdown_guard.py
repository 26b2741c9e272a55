"""The Markdown guard: linear line parsers, the pre-pass, the time-limited child, Mermaid config
stripping and content ids. No database: these are pure functions (and one fork)."""

import gc
import os
import re
import threading
import time
from pathlib import Path

import markdown
import pytest

from apps.core.html import CONTENT_ID_PREFIX, PAGE_ID_PREFIXES, content_id, sanitize_html
from apps.core.markdown_guard import (
    MAX_NESTING,
    Ahead,
    RenderFailed,
    caller_waiting,
    neutralize_markdown,
    run_each_with_time_limit,
    run_with_time_limit,
    start_ahead,
    strip_mermaid_config,
)
from apps.core.tests.pathological import pathological_texts
from apps.core.tests.waiting import poll_until, wait_until

GUIDE_SIZE = 2 * 1024 * 1024
CONTENT = Path(__file__).resolve().parents[3] / "content"


def timed(function, *args):
    started = time.monotonic()
    result = function(*args)
    return result, time.monotonic() - started


# The pre-pass


def test_prepass_leaves_the_bundled_curriculum_unchanged():
    files = sorted(CONTENT.rglob("*.md"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert neutralize_markdown(text) == text, path


def test_prepass_escapes_only_what_nests_too_deep_or_costs_too_much():
    assert neutralize_markdown("[a](b) (c) `[` [d\ne]") == "[a](b) (c) `[` [d\ne]"
    deep = "[" * 10 + "x" + "]" * 10
    assert neutralize_markdown(deep) == "[" * 8 + "\\[\\[x\\]\\]" + "]" * 8
    many = "[" * 20_000
    assert neutralize_markdown(many) == "\\[" * 20_000
    tags = "<a " * 5000
    assert neutralize_markdown(tags) == "&lt;a " * 5000
    assert neutralize_markdown("```\n" + many + "\n```") == "```\n" + many + "\n```"


def test_prepass_caps_nesting_and_indentation():
    quotes = neutralize_markdown("> " * 1000 + "x")
    assert quotes.startswith("> " * MAX_NESTING + "\\>")
    listed = neutralize_markdown(" " * 5000 + "- x")
    assert listed == " " * 80 + "- x"


@pytest.mark.parametrize("case", sorted(pathological_texts(100)))
def test_prepass_is_fast_and_leaves_nothing_that_recurses(case):
    text = pathological_texts(20_000)[case]
    guarded, spent = timed(neutralize_markdown, text)
    assert spent < 2  # about 15 ms of CPU; wall time on a busy machine varies
    try:
        markdown.Markdown(extensions=["extra", "sane_lists"]).convert(guarded)
    except RecursionError:  # pragma: no cover - the failure this guards against
        pytest.fail(f"{case}: RecursionError after the pre-pass")


# The time-limited child


def _slow(seconds: float) -> str:
    # The subject, not a wait: work in the child that outlasts (or not) the time limit.
    time.sleep(seconds)
    return "done"


def _nest(depth: int) -> int:
    return 1 if depth == 0 else 1 + _nest(depth - 1)


def _fails() -> None:
    raise ValueError("a reason a person can read")


def _children() -> set[int]:
    # Other tests' servers may be children of this process too: compare, not count.
    return {int(pid) for pid in Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
            .read_text().split()}  # fmt: skip


def test_child_returns_the_result_and_kills_on_the_deadline():
    before = _children()
    assert run_with_time_limit(_slow, 0, seconds=5) == "done"
    started = time.monotonic()
    with pytest.raises(RenderFailed, match=r"longer than the 0\.5-second limit"):
        run_with_time_limit(_slow, 60, seconds=0.5)
    assert time.monotonic() - started < 2
    assert _children() <= before  # no child left behind, not even a zombie


def test_child_errors_come_back_as_reasons():
    with pytest.raises(RenderFailed, match="a reason a person can read"):
        run_with_time_limit(_fails, seconds=5)
    with pytest.raises(RenderFailed, match="nests too deeply"):
        run_with_time_limit(_nest, 100_000, seconds=5)


def _exits() -> None:
    os._exit(3)  # a child that dies mid-call (as the OOM killer would kill it)


def _call(name: str, *args: object) -> object:
    return {"slow": _slow, "fails": _fails, "nest": _nest, "exits": _exits}[name](*args)


def test_one_child_for_many_calls_each_with_its_own_deadline():
    calls = [("slow", 0), ("slow", 60), ("slow", 0.3), ("fails",), ("nest", 100_000), ("exits",),
             ("slow", 0)]  # fmt: skip
    before = _children()
    started = time.monotonic()
    outcomes = list(run_each_with_time_limit(_call, calls, seconds=1))
    # Each call has its own second: 0.3 s after a killed call is still in time.
    assert time.monotonic() - started < 4
    assert outcomes[0] == outcomes[2] == outcomes[6] == "done"
    reasons = [str(o) for o in outcomes if isinstance(o, RenderFailed)]
    assert reasons == [
        "it takes longer than the 1-second limit to render",
        "a reason a person can read",
        "it nests too deeply to render",
        "the renderer stopped without a result (out of memory?)",
    ]
    assert _children() <= before  # no child left behind


def test_many_calls_share_what_the_first_warmed_up():
    pids = list(run_each_with_time_limit(os.getpid, [()] * 5, seconds=5))
    assert len(set(pids)) == 1 and pids[0] != os.getpid()


def _inherited_objects_frozen() -> int:
    return gc.get_freeze_count()


def test_the_child_leaves_what_it_inherits_alone_and_the_parent_collects_as_before():
    """The render child's collections skip the objects it inherits (frozen for the fork), and
    the parent takes them back: a parent left frozen would never collect them again."""
    before = gc.get_freeze_count()  # the interpreter freezes a few hundred objects itself
    inherited = run_with_time_limit(_inherited_objects_frozen, seconds=5)
    assert inherited > before + 10_000  # Django, the test session: all frozen in the child
    assert gc.get_freeze_count() == before
    each = list(run_each_with_time_limit(_inherited_objects_frozen, [()], seconds=5))
    assert each[0] > before + 10_000
    assert gc.get_freeze_count() == before


def test_a_caller_that_stops_early_leaves_no_child():
    before = _children()
    outcomes = run_each_with_time_limit(_slow, [(0,), (60,)], seconds=120)
    assert next(outcomes) == "done"
    outcomes.close()
    assert _children() <= before


# Calls made ahead, before anyone asks


def _planned(*calls: tuple) -> list[tuple[str, str, tuple]]:
    return [(f"call-{index}", f"print-{index}", call) for index, call in enumerate(calls)]


def test_ahead_answers_by_name_in_the_plan_order_and_skips_what_is_not_asked():
    before = _children()
    ahead = start_ahead(lambda: _planned(("slow", 0), ("fails",), ("slow", 0), ("nest", 100_000)),
                        _call)  # fmt: skip
    try:
        assert ahead.take("call-1", "print-1", seconds=5).args == ("a reason a person can read",)
        # call-2 is never asked for: passed over unread on the way to call-3.
        reason = ahead.take("call-3", "print-3", seconds=5)
        assert str(reason) == "it nests too deeply to render"
        # Behind us now, not in the plan, or planned for other bytes: the caller's own work.
        assert ahead.take("call-0", "print-0", seconds=5) is Ahead.MISSING
        assert ahead.take("call-9", "print-9", seconds=5) is Ahead.MISSING
        assert ahead.is_open
    finally:
        ahead.close()
    assert not ahead.is_open and _children() <= before


def test_ahead_with_other_bytes_or_a_failed_plan_leaves_the_work_to_the_caller():
    ahead = start_ahead(lambda: _planned(("slow", 0), ("slow", 0)), _call)
    try:
        assert ahead.take("call-0", "other bytes", seconds=5) is Ahead.MISSING
        assert ahead.take("call-1", "print-1", seconds=5) == "done"
    finally:
        ahead.close()
    broken = start_ahead(_plan_fails, _call)
    assert broken.take("call-0", "print-0", seconds=5) is Ahead.MISSING
    assert not broken.is_open  # nothing more to wait for


def _plan_fails() -> list:
    raise OSError("the repository went away")


def test_ahead_is_bounded_and_killed_at_the_deadline():
    before = _children()
    ahead = start_ahead(lambda: _planned(("slow", 0), ("slow", 60)), _call)
    assert ahead.take("call-0", "print-0", seconds=5) == "done"
    started = time.monotonic()
    assert ahead.take("call-1", "print-1", seconds=0.5) is Ahead.MISSING
    assert time.monotonic() - started < 2
    assert not ahead.is_open and _children() <= before  # killed and reaped


def _big(marker: str, size: int) -> bytes:
    Path(marker).write_text("done")
    return b"x" * size


def test_ahead_works_on_while_nobody_reads_up_to_its_buffer(tmp_path):
    """Unlike run_each_with_time_limit, a child started ahead is not held back by the pipe: its
    results (3 MiB here, three times what the pipe holds) wait in its memory, up to a bound."""
    markers = [tmp_path / f"{index}" for index in range(3)]
    plan = [(f"call-{i}", "", (str(marker), 1 << 20)) for i, marker in enumerate(markers)]
    ahead = start_ahead(lambda: plan, _big)
    try:
        assert wait_until(lambda: all(marker.exists() for marker in markers), timeout=10)
        assert [len(ahead.take(name, "", seconds=5)) for name, _, _ in plan] == [1 << 20] * 3
    finally:
        ahead.close()
    bounded = [tmp_path / f"bounded-{index}" for index in range(4)]
    plan = [(f"call-{i}", "", (str(marker), 1 << 20)) for i, marker in enumerate(bounded)]
    ahead = start_ahead(lambda: plan, _big, buffer_bytes=1)
    try:
        # One result in the pipe, one held, one being computed at most: never all four.
        assert wait_until(lambda: bounded[1].exists(), timeout=10)
        assert not poll_until(lambda: bounded[3].exists(), timeout=1)
        assert [len(ahead.take(name, "", seconds=5)) for name, _, _ in plan] == [1 << 20] * 4
    finally:
        ahead.close()


def _when_told(go: str) -> bool:
    # The subject: the child waits for the test's signal, then reports what it sees.
    wait_until(lambda: Path(go).exists(), timeout=10, interval=0.01)
    return caller_waiting()


def test_a_call_made_ahead_can_tell_whether_its_caller_is_waiting(tmp_path):
    """Work a caller could do itself is better left to it while it waits (it has the time then):
    the child sees a byte its parent sets while blocked on it, and nowhere else."""
    first, second = tmp_path / "first", tmp_path / "second"
    plan = [("busy", "", (str(first),)), ("waiting", "", (str(second),))]
    ahead = start_ahead(lambda: plan, _when_told)
    try:
        first.write_text("go")
        # This process is busy elsewhere while the child makes its first call.
        assert not poll_until(lambda: False, timeout=0.5)
        assert ahead.take("busy", "", seconds=5) is False
        # Now it waits in take() when the child makes the second one.
        threading.Timer(0.3, second.write_text, ["go"]).start()
        assert ahead.take("waiting", "", seconds=5) is True
    finally:
        ahead.close()
    assert caller_waiting() is False  # not in a child started ahead


# Mermaid and ids


def test_mermaid_init_directives_and_front_matter_config_are_stripped():
    source = (
        "---\ntitle: Flow\nconfig:\n  themeCSS: 'body{display:none}'\n---\n"
        "%%{init: {'themeCSS': 'x', 'fontFamily': 'evil'}}%%\n"
        "flowchart LR\n  %%{wrap}%%\n  A --> B\n%%{ init: {'theme'"
    )
    cleaned = strip_mermaid_config(source)
    assert "themeCSS" not in cleaned and "fontFamily" not in cleaned and "%%{" not in cleaned
    assert cleaned.startswith("---\ntitle: Flow\n---\n")
    assert "A --> B" in cleaned
    assert strip_mermaid_config("%%{" * 100_000) == ""


def test_content_ids_never_equal_a_page_id_and_links_follow():
    html = sanitize_html(
        '<h2 id="guide-title">x</h2><div id="note-list"></div><p id="taskbox-0123456789abcdef">'
        '</p><span id="id_email"></span><h3 id="queues">q</h3><a href="#guide-title">up</a>'
        '<a href="#queues">q</a>'
    )
    assert 'id="user-content-guide-title"' in html
    assert 'id="user-content-note-list"' in html
    assert 'id="user-content-taskbox-0123456789abcdef"' in html
    assert 'id="user-content-id_email"' in html
    assert 'id="queues"' in html and 'href="#queues"' in html
    assert 'href="#user-content-guide-title"' in html
    assert content_id(content_id("main")) == CONTENT_ID_PREFIX + "main"
    assert sanitize_html(html) == html


ROOT = Path(__file__).resolve().parents[3]
HTML_ID = re.compile(r'<[a-z][^<>]*?\bid="([^"]*)"', re.IGNORECASE)
SCRIPT_ID = re.compile(
    r"""getElementById\(["']([^"']+)["']\)|querySelector(?:All)?\(["']#([\w-]+)"""
)
# Modules that build content's own ids (headings, terms, task markers), which are sanitised:
# the guide renderer (a package, every module in it) and the glossary parser.
CONTENT_BUILDERS = {"rendering", "glossary.py"}


def page_ids() -> list[tuple[str, str]]:
    found = []
    sources = [*ROOT.joinpath("templates").rglob("*.html"), *ROOT.joinpath("apps").rglob("*.py")]
    for path in sources:
        builder = path.name in CONTENT_BUILDERS or path.parent.name in CONTENT_BUILDERS
        if "tests" in path.parts or "migrations" in path.parts or builder:
            continue
        values = HTML_ID.findall(path.read_text())
        # Patterns that read ids back out of stored HTML are not ids.
        found += [(str(path), value) for value in values if not value.startswith("(?P")]
    for path in ROOT.joinpath("static", "js").rglob("*.js"):
        for match in SCRIPT_ID.finditer(path.read_text()):
            found.append((str(path), match[1] or match[2]))
    return found


def test_every_id_the_pages_use_is_reserved_from_content():
    ids = page_ids()
    assert len(ids) > 40
    for path, value in ids:
        if "{" in value:
            literal = value.split("{", 1)[0]
            if not literal:
                # Django form fields: auto ids are "id_<name>".
                assert "id_for_label" in value, (path, value)
                literal = "id_"
            assert literal.startswith(PAGE_ID_PREFIXES), (path, value)
        else:
            assert content_id(value) != value, (path, value)
        assert not value.startswith(CONTENT_ID_PREFIX), (path, value)
