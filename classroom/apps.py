from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class ClassroomConfig(AppConfig):
    name = "classroom"
    verbose_name = "Live games"

    def ready(self) -> None:
        from classroom import hub, questions_cache
        from classroom.accounts import sync_teachers_group
        from classroom.models import Game
        from classroom.services import publish

        # After migrate has created the content permissions (classroom comes after
        # quizzes in INSTALLED_APPS, and auth's own handler runs per app first).
        post_migrate.connect(sync_teachers_group, sender=self, dispatch_uid="teachers_group")
        # Services publish their broadcasts through the hub of the calling event loop.
        publish.set_publisher(hub.publish_from_sync)
        # A saved `questions` column must not be served from the per-process cache.
        post_save.connect(
            questions_cache.questions_saved, sender=Game, dispatch_uid="classroom.snapshot_cache"
        )
