"""The profile summary that names the server's hot spots in docs/performance.md."""

from bench.profile import read_stacks, summarise_stacks


def test_inclusive_counts_a_frame_once_per_stack_and_self_counts_the_top(tmp_path):
    raw = tmp_path / "daphne.txt"
    raw.write_text(
        "main (a.py:1);handler (b.py:2);query (c.py:3) 30\n"
        "main (a.py:1);handler (b.py:2) 10\n"
        "main (a.py:1);recurse (d.py:4);recurse (d.py:4) 60\n"
    )
    total, inclusive, own = summarise_stacks(read_stacks(raw))
    assert total == 100
    assert inclusive["main (a.py:1)"] == 100
    assert inclusive["handler (b.py:2)"] == 40
    assert inclusive["recurse (d.py:4)"] == 60  # recursion is not counted twice
    assert own["query (c.py:3)"] == 30 and own["handler (b.py:2)"] == 10


def test_match_keeps_only_the_stacks_through_a_frame(tmp_path):
    raw = tmp_path / "daphne.txt"
    raw.write_text("main;answers_submit;bulk_update 7\nmain;join 3\nnot a sample line\n")
    total, inclusive, _ = summarise_stacks(read_stacks(raw), match="answers_submit")
    assert total == 7
    assert "join" not in inclusive
