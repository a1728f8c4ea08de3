"""The fault run's counting (its figures come from `python -m benchmarks.faults`, not from a test)."""
from benchmarks.faults import ReadBack, Sent, count


def test_lost_twice_retried_and_out_of_order_are_counted():
    sent = [Sent("a", "one", 1, True, True), Sent("a", "two", 3, True, True),  # answered after a retry
            Sent("b", "one", 20, False, False),  # given up on, and not in the conversation: lost
            Sent("c", "one", 2, True, True),  # processed twice
            Sent("d", "one", 1, True, True), Sent("d", "two", 1, True, False)]  # out of order
    read = {"a": ReadBack(["one", "two", "two"], ["one", "two"]),  # "two" replayed after a rewind: once
            "b": ReadBack([], []), "c": ReadBack(["one", "one"], ["one", "one"]),
            "d": ReadBack(["two", "one"], ["two", "one"])}
    figures = count(sent, read)
    assert figures["sent"] == 6 and figures["answered"] == 4
    assert figures["answered after a retry"] == 2
    assert figures["not accepted in the end"] == 1 and figures["lost"] == 1
    assert figures["processed twice"] == 1
    assert figures["conversations"] == 4 and figures["conversations out of order"] == 1
