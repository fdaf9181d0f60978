"""Mark every player and projector of running games as away.

Presence (`Player.connected`, `Game.host_connection`) is written when sockets open and
close; a server that was killed never wrote the closes. Run this when the whole
deployment starts (classroom.serve and classroom.stack do), before any process takes
sockets: otherwise a question waits for phones that are gone, and phones are told the
teacher is there when the projector has not come back. Sockets that reconnect set
their presence again.
"""

from django.core.management.base import BaseCommand

from classroom.services.players import presence_reset


class Command(BaseCommand):
    help = "Mark every player and projector of running games as away (run at start-up)."

    def handle(self, *args, **options):
        players, games = presence_reset()
        self.stdout.write(f"Presence reset: {players} players and {games} projectors marked away.")
