"""Snippets: plain text around the matches, only words that match marked."""

from apps.search.snippets import snippet


def test_marks_words_that_extend_a_stem_and_nothing_else():
    text = "Locking the state file stops two applies in lockstep; states are idempotent."
    assert snippet(text, ["lock", "state", "idempot"]) == (
        "⟦Locking⟧ the ⟦state⟧ file stops two applies in lockstep; ⟦states⟧ are ⟦idempotent⟧."
    )


def test_two_fragments_around_far_apart_matches():
    words = [f"w{i}" for i in range(200)]
    words[10], words[150] = "kafka", "Kafka,"
    result = snippet(" ".join(words), ["kafka"])
    assert result.startswith("… w4 ") and " … " in result and result.endswith(" …")
    assert result.count("⟦") == 2 and "⟦Kafka⟧," in result


def test_no_match_in_the_text_shows_its_start_and_a_clipped_window_drops_the_cut_word():
    assert snippet("Only diagrams here", ["kafka"]) == "Only diagrams here"
    assert snippet("tition keeps order per key", ["key"], clipped_start=True).startswith(
        "… keeps order per ⟦key⟧"
    )
    assert snippet("", ["kafka"]) == ""


def test_fragments_never_repeat_words():
    words = [f"w{i}" for i in range(100)]
    words[5], words[33] = "kafka", "kafka"  # the second is just past the first fragment
    result = snippet(" ".join(words), ["kafka"])
    assert all(result.count(f" w{i} ") <= 1 for i in range(100))
    assert "w30 w31 w32 ⟦kafka⟧" in result
