"""The nightly learning (docs/insights.md, "Nightly retraining"): what the
`insights.retrain` task runs at 02:00 UTC. The pooled models first (at most once a day, one
run at a time), then the users with new data since their last training, claimed in
batches (habitstory.insights.jobs): each user's insights models (habitstory.insights.pipeline),
then their learned quest ranking (quests.learned.refit). Stops claiming once its time is
up and frees what it claimed but did not start. Safe to run twice at once: each user is
leased to one run."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.utils import timezone

from habitstory.core.jobs import NEVER_SWALLOWED, map_batches
from habitstory.insights import jobs, pipeline
from habitstory.insights.models import TrainingState
from quests import learned

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
TIME_LIMIT = 2 * 60 * 60  # seconds; the task's soft limit is a little longer


@dataclass
class Summary:
    claimed: int = 0
    trained: int = 0  # users whose training finished
    promoted: int = 0  # versions that became champion
    rejected: int = 0  # versions that lost to the champion or the baseline
    skipped: int = 0  # (user, kind) with too little data
    pooled: list[str] = field(default_factory=list)  # the pooled models' results
    failed: list[int] = field(default_factory=list)  # user ids, retried next night
    stopped: bool = False  # out of time, with users left

    def add(self, results: list[pipeline.Result]) -> None:
        for result in results:
            if result.version is None:
                self.skipped += 1
            elif result.promoted:
                self.promoted += 1
            else:
                self.rejected += 1

    def merge(self, other: Summary) -> None:
        for name in ("claimed", "trained", "promoted", "rejected", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.pooled += other.pooled
        self.failed += other.failed
        self.stopped = self.stopped or other.stopped

    def as_dict(self) -> dict:
        return {"claimed": self.claimed, "trained": self.trained, "promoted": self.promoted,
                "rejected": self.rejected, "skipped": self.skipped, "pooled": list(self.pooled),
                "failed": list(self.failed), "stopped": self.stopped}


@dataclass(frozen=True)
class Run:
    id: str
    started: dt.datetime
    deadline: float  # time.monotonic() value
    batch_size: int
    kinds: tuple[str, ...]
    params: dict | None
    # Called after each user with (user, results, error): the command's progress lines.
    progress: Callable | None = None

    def out_of_time(self) -> bool:
        return time.monotonic() >= self.deadline


def retrain(*, time_limit: float = TIME_LIMIT, batch_size: int = BATCH_SIZE, kinds: tuple[str, ...] = pipeline.KINDS,
            pooled: bool = True, workers: int = 1, params: dict | None = None,
            progress: Callable | None = None) -> dict:
    """One nightly run. Returns the summary (as_dict). `workers` > 1 trains in that many
    processes on PostgreSQL (each claiming its own batches; no `progress` there)."""
    run = Run(id=uuid.uuid4().hex[:16], started=timezone.now(), deadline=time.monotonic() + time_limit,
              batch_size=batch_size, kinds=tuple(kinds), params=params, progress=progress if workers <= 1 else None)
    summary = Summary()
    jobs.seed_states()
    if pooled:
        summary.pooled = train_pooled(run)
    for result in map_batches(partial(_claim_and_train, run=run), list(range(max(workers, 1))), workers):
        summary.merge(result)
    logger.info("insights.retrain %s: %s", run.id, summary.as_dict())
    return summary.as_dict()


def pooled_now(*, kinds: tuple[str, ...] = pipeline.KINDS, params: dict | None = None) -> list[str]:
    """The pooled models trained at once (`manage.py train_models --pooled`)."""
    run = Run(id=uuid.uuid4().hex[:16], started=timezone.now(), deadline=time.monotonic(), batch_size=0,
              kinds=tuple(kinds), params=params)
    return train_pooled(run, force=True)


def train_pooled(run: Run, *, force: bool = False) -> list[str]:
    """The pooled models, if this run takes them (see jobs.claim_pooled); their results."""
    if not force and not jobs.claim_pooled(run.id, now=run.started):
        return []
    try:
        return [str(result) for result in pipeline.train_pooled(kinds=run.kinds, params=run.params)]
    except NEVER_SWALLOWED:
        raise
    except Exception:
        logger.exception("insights.retrain: the pooled models failed")
        return ["failed"]
    finally:
        jobs.release_pooled(run.id)


def _claim_and_train(worker: int, run: Run) -> Summary:
    """What each worker runs: claim a batch, train it, until none is left or time is up."""
    summary = Summary()
    while not run.out_of_time():
        states = jobs.claim(run.id, run.started, size=run.batch_size)
        if not states:
            return summary
        summary.claimed += len(states)
        for position, state in enumerate(states):
            if run.out_of_time():
                jobs.release([s.pk for s in states[position:]], run.id)
                summary.stopped = True
                return summary
            try:
                train_one(state, run, summary)
            except NEVER_SWALLOWED:
                jobs.release([s.pk for s in states[position:]], run.id)
                raise
    summary.stopped = True
    return summary


def train_one(state: TrainingState, run: Run, summary: Summary) -> None:
    """One claimed user: their insights models, then their quest ranking; the lease ends."""
    user = state.user
    read_at = timezone.now()
    try:
        results = pipeline.train_user(user, kinds=run.kinds, params=run.params)
    except NEVER_SWALLOWED:
        raise
    except Exception as exc:
        logger.exception("insights.retrain: training failed for user %s", user.pk)
        jobs.fail(state, run.id, f"{type(exc).__name__}: {exc}")
        summary.failed.append(user.pk)
        if run.progress:
            run.progress(user, [], exc)
        return
    summary.add(results)
    refit_learned(user, now=read_at)
    jobs.finish(state, run.id, read_at=read_at)
    summary.trained += 1
    if run.progress:
        run.progress(user, results, None)


def refit_learned(user, *, now: dt.datetime) -> None:
    """The user's learned quest ranking (quests.learned); a failure is logged, and leaves
    their insights training counted."""
    try:
        learned.refit(user, now=now)
    except NEVER_SWALLOWED:
        raise
    except Exception:
        logger.exception("insights.retrain: next-up refit failed for user %s", user.pk)


def train_now(user, *, kinds: tuple[str, ...] = pipeline.KINDS, params: dict | None = None) -> list[pipeline.Result]:
    """One user trained at once, whether or not they are due (`manage.py train_models
    --user`): their models, their quest ranking, and their training state says so."""
    read_at = timezone.now()
    results = pipeline.train_user(user, kinds=kinds, params=params)
    refit_learned(user, now=read_at)
    jobs.trained(user, read_at=read_at)
    return results
