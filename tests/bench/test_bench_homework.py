"""bench.homework as a correctness check: a small homework end to end.

No timing is asserted; what docs/performance.md relies on is: every student joined
and finished, every answer was acknowledged and is a row in the database, and the
teacher's page got progress frames."""

import json

import pytest

from bench.homework import main


@pytest.mark.process
def test_a_small_homework_bench_stores_every_acknowledged_answer(tmp_path):
    out = tmp_path / "result.json"
    args = ["--players", "12", "--questions", "2", "--think", "0.05", "--no-pin"]
    assert main([*args, "--join-rate", "50", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["joined"] == result["finished"] == 12 and not result["refused"]
    assert result["answers_acked"] == result["answers_sent"] == result["stored"] == 24
    assert result["errors"] == {}
    assert result["progress_frames"] >= 12
    assert result["ack_p50_ms"] > 0 and result["cpu_ms_per_answer"] > 0
