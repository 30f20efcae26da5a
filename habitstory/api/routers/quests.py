"""/quests: list (search, filters, pages), create, read, change, delete; start, complete,
reopen, abandon; tick an objective; dependencies; next up; templates.

Anything that can move XP or unlock a quest (a status change, an objective ticked, an
edit, a deletion) goes through habitstory.story.quests; creating a quest, dependencies
and templates call quests.services, quests.graph and quests.templates_ directly (docs/quests.md)."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status

from habits.models import Habit
from habitstory.story import quests as story
from habitstory.story.commit import Outcome
from quests import graph, search, services, templates_
from quests.models import Objective, Quest, QuestTemplate
from quests.next_up import next_up

from ..auth import user_of
from ..envelope import ERROR_STATUSES, ApiError, Envelope, ErrorEnvelope, invalid, model_error_details, ok, responses
from ..fields import Day
from ..pagination import Key, Order, cursor_param, limit_param, ok_page, paged, paginate
from ..quest_schemas import (
    CategoryFilter,
    DependenciesOut,
    DependencyIn,
    NextUpOut,
    ProgressIn,
    QuestChangeOut,
    QuestIn,
    QuestOut,
    QuestPatch,
    QuestStatus,
    SaveTemplateIn,
    SearchText,
    Slug,
    Sort,
    TemplateOut,
    quest_data,
    ref,
    template_data,
)

router = Router(tags=["quests"])

NEXT_UP_MAX = 50
TEMPLATE_ORDER = Order("quest-templates", Key("title"), Key("id"))
# quests.services' refusals: the status they answer with.
CONFLICTS = {"quest_finished", "quest_abandoned", "dependency_exists"}


def _may_conflict(schema, status: int = 200) -> dict:
    """The `response=` of an operation without a body that may answer 409."""
    return {status: Envelope[schema], frozenset({*ERROR_STATUSES, 409}): ErrorEnvelope}


ACTION_RESPONSES = _may_conflict(QuestChangeOut)


# --- loading --------------------------------------------------------------------------------


def _quest(user, pk: int) -> Quest:
    quest = Quest.objects.filter(user=user, pk=pk).select_related("category").first()
    if quest is None:
        raise Http404("No such quest")
    return quest


def _objectives_of(quest_ids: list[int]) -> dict[int, list[Objective]]:
    by_quest: dict[int, list[Objective]] = defaultdict(list)
    for objective in Objective.objects.filter(quest_id__in=quest_ids).order_by("position", "id"):
        by_quest[objective.quest_id].append(objective)
    return by_quest


def _many(user, quests: list[Quest]) -> list[dict]:
    """Quests (their category loaded) as data, in three queries however many."""
    objectives = _objectives_of([quest.pk for quest in quests])
    waiting = graph.waiting_map(user) if quests else {}
    return [quest_data(quest, objectives.get(quest.pk, []), waiting.get(quest.pk, [])) for quest in quests]


def _one(user, pk: int) -> dict:
    quest = _quest(user, pk)
    return quest_data(quest, list(quest.objectives.all()), graph.waiting_for(quest))


def _change(user, pk: int, outcome: Outcome) -> dict:
    return ok({
        "quest": _one(user, pk),
        "xp": outcome.xp,
        "level": outcome.level_after,
        "completed": [ref(quest) for quest in outcome.quests_completed],
        "reopened": [ref(quest) for quest in outcome.quests_reopened],
        "unlocked": [ref(quest) for quest in outcome.quests_unlocked],
        "ready": [ref(quest) for quest in outcome.quests_ready],
    })


# --- refusals -------------------------------------------------------------------------------


def refusal(error: ValidationError) -> ApiError:
    """A refusal from quests.services or quests.graph as an API error: a locked quest is
    a 409 naming what it waits for, a cycle a 400 naming the cycle, a finished quest's
    change a 409, a field's error a 400 naming it."""
    if isinstance(error, services.QuestLocked):
        return ApiError(409, error.messages[0], {
            "waiting_for": [quest.title for quest in error.waiting_for],
            "waiting_for_ids": [str(quest.pk) for quest in error.waiting_for],
        }, code="quest_locked")
    if isinstance(error, services.DependencyCycle):
        return _cycle(error.cycle)
    if isinstance(error, services.QuestError):
        status = 409 if error.code in CONFLICTS else 400
        return ApiError(status, error.messages[0], code=error.code)
    return invalid(model_error_details(error))


def _cycle(cycle: list[Quest]) -> ApiError:
    return ApiError(400, "That would make a loop: " + " → ".join(quest.title for quest in cycle) + ".", {
        "cycle": [quest.title for quest in cycle],
        "cycle_ids": [str(quest.pk) for quest in cycle],
    }, code="dependency_cycle")


def _own_habits(user, objectives: list[dict] | None) -> None:
    """Every habit an objective names is the user's (a 404 naming them otherwise)."""
    wanted = {objective["habit"] for objective in objectives or () if objective.get("habit") is not None}
    if not wanted:
        return
    found = set(Habit.objects.for_user(user).filter(pk__in=wanted).values_list("pk", flat=True))
    missing = sorted(wanted - found)
    if missing:
        raise ApiError(404, details={"objectives.habit": [
            f"Choose one of your habits: {', '.join(map(str, missing))} is not."
        ]})


def _own_objectives(quest: Quest, objectives: list[dict] | None) -> None:
    wanted = {objective["id"] for objective in objectives or () if objective.get("id") is not None}
    missing = sorted(wanted - set(quest.objectives.values_list("pk", flat=True))) if wanted else []
    if missing:
        raise ApiError(404, details={"objectives.id": [
            f"Not one of this quest's objectives: {', '.join(map(str, missing))}."
        ]})


def _specs(objectives: list[dict]) -> list[services.ObjectiveSpec]:
    return [
        services.ObjectiveSpec(text=o["text"], kind=o["kind"], weight=o["weight"], habit=o.get("habit"),
                               target=o.get("target"), id=o.get("id"))
        for o in objectives
    ]


# --- quests ---------------------------------------------------------------------------------


@router.get("/quests", response=paged(QuestOut), summary="List and search your quests")
def list_quests(
    request: HttpRequest,
    status: QuestStatus | None = None,  # type: ignore[valid-type]
    category: CategoryFilter | None = Query(None, description="A category's name (case aside)."),
    q: SearchText | None = Query(None, description="Words to find in the title, description and objectives "
                                                   "(stemmed on PostgreSQL: “running” finds “run”)."),
    due_before: Day | None = Query(None, description="Due on or before this day."),
    due_after: Day | None = Query(None, description="Due on or after this day."),
    has_attachments: bool | None = None,
    sort: Sort | None = Query(None, description="relevance (the default: best match first with `q`, newest "  # type: ignore[valid-type]
                                                "first without), due, priority or newest."),
    cursor: str | None = cursor_param(),
    limit: int = limit_param(),
):
    """Your quests, filtered, sorted and a page at a time (`meta.next`)."""
    user = user_of(request)
    found = search.search(user, q or "", status=status, category=category, due_before=due_before,
                          due_after=due_after, has_attachments=has_attachments, sort=sort or "relevance")
    # Paged in the order search() sorts by (the sort's name salts the cursor: one sort's
    # cursor does not page another); PostgreSQL's rank is a `real`.
    ranked = "rank" in found.query.annotations
    order = Order.of(found, f"quests:{sort or 'relevance'}:{'ranked' if ranked else 'plain'}", casts={"rank": "real"})
    page = paginate(found, order, cursor, limit)
    return ok_page(_many(user, page.items), page)


@router.post("/quests", response=responses(QuestOut, 201, body=True), summary="Create a quest")
def create_quest(request: HttpRequest, payload: QuestIn):
    """Open (or `active`, counting habit-fed objectives from your local today) with its
    objectives in order. Without `xp_reward`, the XP is suggested from effort and
    priority."""
    user = user_of(request)
    data = payload.model_dump()
    _own_habits(user, data["objectives"])
    data["objectives"] = _specs(data["objectives"])
    try:
        quest = services.create_quest(user, **data, today=user.profile.local_today())
    except ValidationError as error:
        raise refusal(error) from None
    return Status(201, ok(_one(user, quest.pk)))


@router.get("/quests/next-up", response=responses(list[NextUpOut]), summary="What to do next")
def quests_next_up(request: HttpRequest, limit: int = Query(10, ge=1, le=NEXT_UP_MAX,
                                                            description=f"1 to {NEXT_UP_MAX} (default 10).")):
    """Your unlocked open and active quests, ranked by one transparent score (due date,
    priority, XP per minute of effort, how many quests each unlocks, staleness), each
    with its reasons (docs/quests.md, "Next up")."""
    user = user_of(request)
    ranked = next_up(user, today=user.profile.local_today(), now=timezone.now(), limit=limit)
    quests = _many(user, [quest for quest, _ in ranked])
    return ok([
        {"quest": data, "score": score.value, "reasons": score.reasons, "reason": score.text}
        for data, (_, score) in zip(quests, ranked)
    ])


@router.get("/quests/{int:quest_id}", response=responses(QuestOut), summary="Read a quest")
def read_quest(request: HttpRequest, quest_id: int):
    return ok(_one(user_of(request), quest_id))


@router.patch("/quests/{int:quest_id}", response=responses(QuestChangeOut, body=True), summary="Change a quest")
def update_quest(request: HttpRequest, quest_id: int, payload: QuestPatch):
    """Partial: only the fields sent change; `objectives` replaces them all (send the ids
    of those to keep with their progress). The progress is recomputed, which may complete
    the quest (or mark it ready) and award its XP."""
    user = user_of(request)
    quest = _quest(user, quest_id)
    data = payload.model_dump(exclude_unset=True)
    if payload.objectives is not None:
        data["objectives"] = [objective.model_dump() for objective in payload.objectives]  # with their defaults
    if "due_date" in data and data["due_date"] is None and "due_time" not in data:
        data["due_time"] = None  # no date, no time
    _own_habits(user, data.get("objectives"))
    _own_objectives(quest, data.get("objectives"))
    if "objectives" in data:
        data["objectives"] = _specs(data["objectives"])
    try:
        outcome = story.commit_quest_update(quest, **data)
    except ValidationError as error:
        raise refusal(error) from None
    return _change(user, quest_id, outcome)


@router.delete("/quests/{int:quest_id}", response=_may_conflict(None), summary="Delete a quest")
def delete_quest(request: HttpRequest, quest_id: int,
                 confirm: bool = Query(False, description="true to delete a quest others wait for.")):
    """With its objectives, dependencies and files. A done quest's XP goes back. A quest
    others wait for asks first: without `?confirm=true` it is a 409 `quest_has_dependents`
    naming them; with it, their links to it go too (and those that waited only for it
    unlock). Answers 200 with `data: null`."""
    user = user_of(request)
    quest = _quest(user, quest_id)
    dependents = graph.dependents(quest)
    if dependents and not confirm:
        raise ApiError(409, "Other quests wait for this one: send ?confirm=true to delete it anyway.", {
            "dependents": [other.title for other in dependents],
            "dependents_ids": [str(other.pk) for other in dependents],
        }, code="quest_has_dependents")
    story.commit_quest_delete(quest)
    return ok(None)


def _act(request: HttpRequest, quest_id: int, action: str) -> dict:
    user = user_of(request)
    quest = _quest(user, quest_id)
    try:
        outcome = story.commit_quest(quest, action)
    except Quest.DoesNotExist:  # deleted meanwhile
        raise Http404("No such quest") from None
    except ValidationError as error:
        raise refusal(error) from None
    return _change(user, quest_id, outcome)


@router.post("/quests/{int:quest_id}/start", response=ACTION_RESPONSES, summary="Start a quest")
def start_quest(request: HttpRequest, quest_id: int):
    """open → active: habit-fed objectives count from your local today. A locked quest is
    a 409 `quest_locked` naming what it waits for; a finished one a 409 `quest_finished`
    (reopen it). Starting an active quest changes nothing."""
    return _act(request, quest_id, "start")


@router.post("/quests/{int:quest_id}/complete", response=ACTION_RESPONSES, summary="Complete a quest")
def complete_quest(request: HttpRequest, quest_id: int):
    """→ done, awarding its XP once (less when late: docs/quests.md) and unlocking the
    quests that waited only for it. A locked quest is a 409 `quest_locked` naming what it
    waits for (`details.waiting_for`, `details.waiting_for_ids`); an abandoned one a 409
    `quest_abandoned`. Completing a done quest changes nothing."""
    return _act(request, quest_id, "complete")


@router.post("/quests/{int:quest_id}/reopen", response=ACTION_RESPONSES, summary="Reopen a quest")
def reopen_quest(request: HttpRequest, quest_id: int):
    """done or abandoned → active; a done quest's XP goes back. Reopening an open or
    active quest changes nothing."""
    return _act(request, quest_id, "reopen")


@router.post("/quests/{int:quest_id}/abandon", response=ACTION_RESPONSES, summary="Abandon a quest")
def abandon_quest(request: HttpRequest, quest_id: int):
    """→ abandoned (reopen it any time); abandoning a done quest takes its XP back."""
    return _act(request, quest_id, "abandon")


@router.post("/quests/{int:quest_id}/progress", response=responses(QuestChangeOut, body=True),
             summary="Tick an objective")
def tick_objective(request: HttpRequest, quest_id: int, payload: ProgressIn):
    """`{"objective": id, "done": true}` ticks a manual objective (false unticks it);
    the last one completes the quest, or marks it ready when your profile asks first. A
    habit-fed objective moves with its habit (400 `objective_not_manual`); a finished
    quest's is a 409 `quest_finished`; another quest's objective a 404."""
    user = user_of(request)
    quest = _quest(user, quest_id)
    if not Objective.objects.filter(pk=payload.objective, quest=quest).exists():
        raise ApiError(404, details={"objective": ["Not one of this quest's objectives."]})
    try:
        outcome = story.commit_objective(quest, payload.objective, payload.done)
    except (Quest.DoesNotExist, Objective.DoesNotExist):
        raise Http404("No such objective") from None
    except ValidationError as error:
        raise refusal(error) from None
    return _change(user, quest_id, outcome)


# --- dependencies ---------------------------------------------------------------------------


def _dependencies(quest: Quest) -> dict:
    depends_on = graph.depends_on(quest)
    waiting = [other for other in depends_on if other.status != Quest.Status.DONE]
    return {
        "locked": bool(waiting) and not quest.is_finished,
        "waiting_for": [ref(other) for other in waiting],
        "depends_on": [ref(other) for other in depends_on],
        "dependents": [ref(other) for other in graph.dependents(quest)],
    }


@router.get("/quests/{int:quest_id}/dependencies", response=responses(DependenciesOut),
            summary="A quest's dependencies")
def list_dependencies(request: HttpRequest, quest_id: int):
    """What the quest waits for (and which of those are not done: it is locked while any
    is left), and what waits for it."""
    return ok(_dependencies(_quest(user_of(request), quest_id)))


@router.post("/quests/{int:quest_id}/dependencies", response=responses(DependenciesOut, 201, body=True),
             summary="Make a quest wait for another")
def add_dependency(request: HttpRequest, quest_id: int, payload: DependencyIn):
    """The quest waits for `depends_on`, another of your quests (404 if not yours). An
    edge that would close a loop, the quest itself included, is a 400 `dependency_cycle`
    with the loop in `details.cycle` (titles, first repeated last) and
    `details.cycle_ids`; nothing is saved. One already there is a 409
    `dependency_exists`."""
    user = user_of(request)
    quest = _quest(user, quest_id)
    other = Quest.objects.filter(user=user, pk=payload.depends_on).first()
    if other is None:
        raise ApiError(404, details={"depends_on": ["Choose one of your quests."]})
    if other.pk == quest.pk:
        raise _cycle([quest, quest])
    try:
        graph.add_dependency(quest, other)
    except Quest.DoesNotExist:
        raise ApiError(404, details={"depends_on": ["Choose one of your quests."]}) from None
    except ValidationError as error:
        raise refusal(error) from None
    return Status(201, ok(_dependencies(quest)))


@router.delete("/quests/{int:quest_id}/dependencies/{int:other_id}", response=responses(DependenciesOut),
               summary="Stop a quest waiting for another")
def remove_dependency(request: HttpRequest, quest_id: int, other_id: int):
    """Idempotent: a quest it does not wait for is left as it is (another user's is a
    404). Answers with the dependencies as they are now."""
    user = user_of(request)
    quest = _quest(user, quest_id)
    other = _quest(user, other_id)
    graph.remove_dependency(quest, other)
    return ok(_dependencies(quest))


# --- templates ------------------------------------------------------------------------------


@router.get("/quest-templates", response=paged(TemplateOut), summary="List quest templates")
def list_templates(request: HttpRequest, cursor: str | None = cursor_param(), limit: int = limit_param()):
    """The ready-made templates and your own, by title, a page at a time (`meta.next`)."""
    page = paginate(templates_.templates_for(user_of(request)), TEMPLATE_ORDER, cursor, limit)
    return ok_page([template_data(template) for template in page.items], page)


@router.post("/quest-templates", response=responses(TemplateOut, 201, body=True),
             summary="Save a quest as a template")
def save_template(request: HttpRequest, payload: SaveTemplateIn):
    """One of your quests as your own template (its objectives without their progress);
    its slug comes from the title, made unique among your templates."""
    user = user_of(request)
    quest = Quest.objects.filter(user=user, pk=payload.quest).select_related("category").first()
    if quest is None:
        raise ApiError(404, details={"quest": ["Choose one of your quests."]})
    try:
        template = templates_.save_as_template(quest)
    except ValidationError as error:
        raise refusal(error) from None
    template = QuestTemplate.objects.prefetch_related(Prefetch("objectives")).get(pk=template.pk)
    return Status(201, ok(template_data(template)))


@router.delete("/quest-templates/{int:template_id}", response=responses(None), summary="Delete your template")
def delete_template(request: HttpRequest, template_id: int):
    """One of your own templates; quests made from it stay. A ready-made template, or
    another user's, is a 404. Answers 200 with `data: null`."""
    try:
        templates_.delete_template(user_of(request), template_id)
    except QuestTemplate.DoesNotExist:
        raise Http404 from None
    return ok(None)


@router.post("/quests/from-template/{slug}", response=responses(QuestOut, 201),
             summary="Start a quest from a template")
def create_from_template(request: HttpRequest, slug: Slug):
    """A new open quest from your template with this slug, or else the ready-made one
    (another user's is a 404). A ready-made template's habit-fed objective takes your
    habit of that name, or becomes a manual step."""
    user = user_of(request)
    try:
        template = templates_.find_template(user, slug)
        quest = templates_.from_template(user, template, today=user.profile.local_today())
    except QuestTemplate.DoesNotExist:
        raise Http404("No such template") from None
    except ValidationError as error:
        raise refusal(error) from None
    return Status(201, ok(_one(user, quest.pk)))
