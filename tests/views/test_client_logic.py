"""The browser scripts' pure logic (seq tracking, backoff), run in Node when present.

The full page behaviour is driven in a real browser by the browser-test suite; these
check the parts a browser test cannot provoke on demand, such as a lost frame.
"""

from .node_js import needs_node, run_js

pytestmark = needs_node


def test_seq_tracker_applies_in_order_ignores_stale_and_reports_gaps():
    verdicts = run_js(
        """
        const t = new Q.SeqTracker(["lobby", "state"], ["error", "pong"]);
        return [
          t.check({type: "lobby", seq: 5}),
          t.check({type: "state", seq: 5}),
          t.check({type: "player_joined", seq: 6}),
          t.check({type: "player_joined", seq: 6}),
          t.check({type: "error", seq: 3}),
          t.check({type: "question", seq: 8}),
          t.check({type: "state", seq: 9}),
          t.check({type: "answer_count", seq: 10}),
          t.check({type: "state", seq: 4}),
        ];
        """
    )
    assert verdicts == [
        "apply",  # snapshot sets the count
        "apply",  # the state that follows the lobby shares its seq
        "apply",  # next broadcast
        "stale",  # same broadcast twice
        "apply",  # replies never open a gap
        "gap",  # 7 was lost: the client must sync
        "apply",  # the sync's snapshot
        "apply",
        "stale",  # an old snapshot never rolls the page back
    ]


def test_reconnect_delays_grow_with_jitter_and_stay_capped():
    delays = run_js(
        """
        const out = [];
        for (let attempt = 0; attempt < 8; attempt++) {
          const seen = [];
          for (let i = 0; i < 200; i++) seen.push(Q.backoffDelay(attempt, 500, 10000));
          out.push([Math.min(...seen), Math.max(...seen)]);
        }
        return out;
        """
    )
    for attempt, (low, high) in enumerate(delays):
        ceiling = min(10000, 500 * 2**attempt)
        assert ceiling / 2 <= low <= high <= ceiling
        assert high > low  # jittered, so a class does not reconnect in lockstep
    assert delays[-1][1] <= 10000


def test_ordinals_read_naturally():
    assert run_js("return [1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(Q.ordinal);") == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
    ]
