"""The live game's start-up wiring, all of it: nothing in classroom/ connects a signal
or installs a collaborator when it is imported.

The per-loop collaborators (hub, question timers, answer and join groups) are made
together by classroom/runtime.py when a loop first needs them.
"""

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_migrate, post_save


class ClassroomConfig(AppConfig):
    name = "classroom"
    verbose_name = "Live games"

    def ready(self) -> None:
        from classroom import host_sessions, questions_cache, relay
        from classroom.accounts import sync_teachers_group
        from classroom.models import Game
        from classroom.services import publish

        # After migrate has created the content permissions (classroom comes after
        # quizzes in INSTALLED_APPS, and auth's own handler runs per app first).
        post_migrate.connect(sync_teachers_group, sender=self, dispatch_uid="teachers_group")
        # Services publish their broadcasts (after commit) through the hub of the event
        # loop that called them, or straight to the channel layer without one.
        publish.set_publisher(relay.publish_from_sync)
        # A saved `questions` column must not be served from the per-process cache.
        post_save.connect(
            questions_cache.questions_saved, sender=Game, dispatch_uid="classroom.snapshot_cache"
        )
        # Logging out closes that session's projector sockets in every process.
        user_logged_out.connect(
            host_sessions.close_host_sockets_on_logout, dispatch_uid="classroom.host_logout"
        )
