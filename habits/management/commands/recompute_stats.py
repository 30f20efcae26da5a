from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from habits.models import Habit
from habits.recompute import recompute_stats


class Command(BaseCommand):
    help = "Recompute habit statistics from occurrences (backfills). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="only this user's habits")
        parser.add_argument("--habit", type=int, metavar="ID", help="only this habit")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, user=None, habit=None, batch_size=500, **options) -> None:
        habits = Habit.objects.all()
        if user:
            habits = habits.filter(user__email__iexact=user)
            if not get_user_model().objects.filter(email__iexact=user).exists():
                raise CommandError(f"No user with e-mail {user}")
        if habit is not None:
            habits = habits.filter(pk=habit)
            if not habits.exists():
                raise CommandError(f"No habit with id {habit}" + (f" for {user}" if user else ""))

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"{done}/{total} habits")

        count = recompute_stats(habits, batch_size=batch_size, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Recomputed {count} habits."))
