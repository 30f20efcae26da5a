from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from habitstory.core.health import record_success
from habitstory.insights import pipeline
from habitstory.insights.models import ModelVersion
from habitstory.story import learning

KINDS = tuple(ModelVersion.Kind.values)


class Command(BaseCommand):
    help = (
        "Train insights models now. Without options: what the nightly job does (the pooled models if due, "
        "then every user with new data since their last training). --user: that user now; --pooled: the "
        "pooled models now. A new version serves only if it beats the champion (or, first, the baseline) "
        "on the held-out last 14 days."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="train this user now, new data or not")
        parser.add_argument("--kind", choices=KINDS, action="append", help="only this kind (repeatable)")
        parser.add_argument("--pooled", action="store_true", help="train the pooled models now")
        parser.add_argument("--time-limit", type=int, default=learning.TIME_LIMIT, metavar="SECONDS",
                            help="the nightly run's time limit")

    def handle(self, *args, user=None, kind=None, pooled=False, time_limit=learning.TIME_LIMIT, **options):
        kinds = tuple(kind) if kind else KINDS
        if user:
            self._one_user(user, kinds)
        if pooled:
            self.stdout.write("Pooled models…")
            for line in learning.pooled_now(kinds=kinds):
                self.stdout.write(f"  pooled {line}")
        if user or pooled:
            return
        summary = learning.retrain(kinds=kinds, time_limit=time_limit, progress=self._progress)
        for line in summary["pooled"]:
            self.stdout.write(f"  pooled {line}")
        if kinds == KINDS:
            record_success("insights.retrain")
        self.stdout.write(
            f"Trained {summary['trained']} users: {summary['promoted']} new champions, {summary['rejected']} "
            f"rejected, {summary['skipped']} with too little data."
        )
        if summary["stopped"]:
            self.stdout.write("Stopped at the time limit; the rest wait for the next run.")
        if summary["failed"]:
            self.stderr.write(f"Failed for users {summary['failed']}; they are retried on the next night's run.")

    def _one_user(self, email: str, kinds: tuple[str, ...]) -> None:
        found = get_user_model().objects.filter(email__iexact=email).select_related("profile").first()
        if found is None:
            raise CommandError(f"No user with e-mail {email}")
        self.stdout.write(f"{found.email}…")
        for result in learning.train_now(found, kinds=kinds):
            self.stdout.write(f"  {result}")

    def _progress(self, user, results: list[pipeline.Result], error) -> None:
        if error is not None:
            self.stderr.write(f"{user.email}: failed ({type(error).__name__}: {error})")
            return
        self.stdout.write(f"{user.email}: " + "; ".join(str(result) for result in results))
