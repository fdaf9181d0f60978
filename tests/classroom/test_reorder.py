"""Broadcasts from several processes are put back in seq order per game."""

from classroom.reorder import Reorder


def broadcast(host=None, players=None):
    message = {"type": "hub.broadcast", "game_id": 1}
    if host is not None:
        message["host"] = {"type": "answer_count", "seq": host}
    if players is not None:
        message["players"] = {"type": "question", "seq": players}
    return message


def seqs(messages):
    return [(m.get("host", {}).get("seq"), m.get("players", {}).get("seq")) for m in messages]


def test_broadcasts_in_order_go_straight_through():
    order = Reorder()
    assert seqs(order.push(broadcast(host=1))) == [(1, None)]
    assert seqs(order.push(broadcast(host=2, players=1))) == [(2, 1)]
    assert seqs(order.push(broadcast(players=2))) == [(None, 2)]
    assert order.held == []


def test_an_early_broadcast_waits_for_the_missing_one_then_both_go_in_order():
    order = Reorder()
    order.push(broadcast(host=5))
    assert order.push(broadcast(host=7)) == []
    assert seqs(order.push(broadcast(host=6))) == [(6, None), (7, None)]
    assert order.held == []


def test_a_broadcast_waits_while_either_audience_is_missing_a_frame():
    order = Reorder()
    order.push(broadcast(host=1, players=1))
    assert order.push(broadcast(host=2, players=3)) == []
    assert seqs(order.push(broadcast(players=2))) == [(None, 2), (2, 3)]


def test_when_the_missing_broadcast_never_comes_the_held_ones_go_out_in_order():
    order = Reorder()
    order.push(broadcast(host=1))
    order.push(broadcast(host=4))
    order.push(broadcast(host=3))
    assert seqs(order.flush()) == [(3, None), (4, None)]
    # After giving up, the next one in sequence flows again.
    assert seqs(order.push(broadcast(host=5))) == [(5, None)]


def test_a_stale_broadcast_is_not_held():
    order = Reorder()
    order.push(broadcast(host=4))
    assert seqs(order.push(broadcast(host=2))) == [(2, None)]


def test_the_first_broadcast_a_hub_sees_sets_the_baseline():
    order = Reorder()
    assert seqs(order.push(broadcast(host=40, players=12))) == [(40, 12)]
    assert order.push(broadcast(host=42)) == []


def test_a_broadcast_without_seq_is_never_held():
    order = Reorder()
    order.push(broadcast(host=1))
    order.push(broadcast(host=3))
    timer_only = {"type": "hub.broadcast", "game_id": 1, "timer": {"index": 0, "deadline": 1.0}}
    assert order.push(timer_only) == [timer_only]


def test_a_baseline_from_the_sockets_snapshots_holds_even_the_first_broadcast():
    order = Reorder()
    order.start_after("host", 0)
    assert order.push(broadcast(host=2)) == []
    assert seqs(order.push(broadcast(host=1))) == [(1, None), (2, None)]


def test_seeding_does_not_override_what_broadcasts_already_set():
    order = Reorder()
    order.push(broadcast(host=9))
    order.start_after("host", 3)
    assert seqs(order.push(broadcast(host=10))) == [(10, None)]
