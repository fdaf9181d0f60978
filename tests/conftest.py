"""Fixtures every test directory shares."""

import pytest
from channels.layers import channel_layers
from hypothesis import settings as hypothesis_settings

# Property tests share a 2-core machine with browser and process tests: Hypothesis's
# default 200 ms per-example deadline turns a busy moment into a "Flaky" failure that
# says nothing about the code. Tests that need a bound set their own.
hypothesis_settings.register_profile("classroom", deadline=None)
hypothesis_settings.load_profile("classroom")


@pytest.fixture(autouse=True)
def _fresh_channel_layers():
    """Each test gets new channel layers: the in-memory layer's queues and groups
    belong to the event loop of the test that made them."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _forget_remembered_pins():
    """The sockets remember running games' PINs for a few seconds; a test's games are
    gone after it, so no test may see another's."""
    from classroom import join_gate, pins

    def forget() -> None:
        pins.forget()
        # Game ids are reused once a test's rows are gone; wrong shapes are per address.
        join_gate.forget()

    forget()
    yield
    forget()


@pytest.fixture(autouse=True)
def _no_language_left_active():
    """A request in Urdu activates Urdu for the thread that served it (LocaleMiddleware
    does not switch back); without this, the next test's English assertions would read
    Urdu, depending on which test ran before."""
    from django.utils import translation

    yield
    translation.deactivate()
