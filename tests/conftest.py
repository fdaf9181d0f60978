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
