"""Fixtures every test directory shares."""

import pytest
from channels.layers import channel_layers


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
    from classroom import consumers

    consumers._pin_cache.clear()
    yield
    consumers._pin_cache.clear()
