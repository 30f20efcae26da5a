import json
from dataclasses import asdict

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from habitstory.insights import evaluation, history, synth
from habitstory.insights.features import KINDS


class Command(BaseCommand):
    help = ("Held-out metrics of every kind of model, per user and pooled, beside the baselines "
            "(and, on synthetic users, the oracle): each user's last days kept out of training.")

    def add_arguments(self, parser):
        parser.add_argument("--synthetic", type=int, metavar="USERS",
                            help="evaluate on this many generated users (in memory) instead of the database's")
        parser.add_argument("--days", type=int, default=120, help="days per synthetic user")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--kind", choices=KINDS, action="append", help="only this kind (repeatable)")
        parser.add_argument("--holdout", type=int, default=evaluation.HOLDOUT_DAYS)
        parser.add_argument("--min-days", type=int, default=evaluation.MIN_DAYS)
        parser.add_argument("--threads", type=int, default=1, help="LightGBM threads")
        parser.add_argument("--json", dest="json_path", metavar="PATH", help="also write the results as JSON")

    def handle(self, *args, synthetic=None, days=120, seed=0, kind=None, holdout=30, min_days=60, threads=1,
               json_path=None, **options) -> None:
        kinds = kind or list(KINDS)
        if synthetic is not None:
            if synthetic < 1 or days <= holdout:
                raise CommandError("--synthetic must be 1 or more and --days more than --holdout.")
            users = synth.generate(synthetic, days, seed)
            histories, truths = [u.history for u in users], evaluation.truths_of(users)
            self.stdout.write(f"Generated {synthetic} users with {days} days each.")
        else:
            histories, truths = self._load(), None
        if not histories:
            raise CommandError("No users with check-ins to evaluate.")
        params = {name: {"num_threads": threads} for name in kinds}
        results = evaluation.evaluate(histories, truths, kinds=kinds, holdout=holdout, min_days=min_days,
                                      params=params, progress=self.stdout.write)
        if json_path:
            self._write(json_path, results)
        self.stdout.write(self.style.SUCCESS(f"Evaluated {len(results)} (kind, scope, scenario) combinations."))

    def _load(self) -> list:
        users = list(get_user_model().objects.filter(checkins__isnull=False).distinct().select_related("profile"))
        loaded = []
        for n, user in enumerate(users, 1):
            loaded.append(history.load(user))
            if n % 50 == 0 or n == len(users):
                self.stdout.write(f"{n}/{len(users)} users loaded")
        return loaded

    def _write(self, path: str, results: list) -> None:
        with open(path, "w", encoding="utf-8") as out:
            out.write(json.dumps([asdict(result) for result in results], indent=1, default=float))
