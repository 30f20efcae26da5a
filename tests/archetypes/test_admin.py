from __future__ import annotations

import pytest
from django.urls import reverse

from archetypes import content, services
from archetypes.admin import ConditionForm
from archetypes.models import Archetype, Assignment, Condition, Question, Rule, Trait

from .conftest import canonical_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.mark.parametrize("model", [
    "trait", "question", "choice", "house", "archetype", "rule", "assignment", "quizprogress", "membership",
    "choiceweight", "profilescore", "condition", "starterhabit", "starterquest",
])
def test_every_page_opens_for_staff(staff_client, owner, model):
    services.assign(owner, canonical_answers("sage"))
    assert staff_client.get(reverse(f"admin:archetypes_{model}_changelist")).status_code == 200
    first = {"trait": Trait, "question": Question, "archetype": Archetype, "rule": Rule,
             "assignment": Assignment}.get(model)
    if first is not None:
        url = reverse(f"admin:archetypes_{model}_change", args=[first.objects.first().pk])
        assert staff_client.get(url).status_code == 200


def test_it_is_staffs_only(owner_client):
    response = owner_client.get(reverse("admin:archetypes_rule_changelist"))
    assert response.status_code == 302


def _rule_post(archetype, *conditions):
    data = {
        "name": "New rule", "archetype": archetype.pk, "position": 9, "active": "on",
        "conditions-TOTAL_FORMS": len(conditions), "conditions-INITIAL_FORMS": 0,
        "conditions-MIN_NUM_FORMS": 0, "conditions-MAX_NUM_FORMS": 1000,
    }
    for n, (trait, operator, value, value_to) in enumerate(conditions):
        data.update({f"conditions-{n}-trait": trait, f"conditions-{n}-operator": operator,
                     f"conditions-{n}-value": value, f"conditions-{n}-value_to": value_to})
    return data


@pytest.mark.parametrize(("condition", "field", "message"), [
    (("unknown", "gte", "50", ""), "trait", "Select a valid choice"),
    (("trait", "between", "50", ""), "value_to", "'Between' needs an upper end."),
    (("trait", "between", "60", "40"), "value_to", "The upper end is below the lower: the range is empty."),
    (("trait", "gte", "60", "70"), "value_to", "An upper end is for 'between' only."),
    (("trait", "gte", "160", ""), "value", "less than or equal to 100"),
])
def test_a_rule_with_a_bad_condition_is_refused(staff_client, condition, field, message):
    trait = Trait.objects.get(slug="curiosity")
    trait_value = 999999 if condition[0] == "unknown" else trait.pk
    data = _rule_post(Archetype.objects.get(slug="sage"), (trait_value, *condition[1:]))
    response = staff_client.post(reverse("admin:archetypes_rule_add"), data)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert message in " ".join(formset.errors[0][field])
    assert not Rule.objects.filter(name="New rule").exists()


def test_a_good_rule_is_saved_and_used_at_once(staff_client, owner):
    content.rules()  # cached
    trait = Trait.objects.get(slug="curiosity")
    data = _rule_post(Archetype.objects.get(slug="bard"), (trait.pk, "between", "0", "100"))
    data["position"] = 0
    response = staff_client.post(reverse("admin:archetypes_rule_add"), data)
    assert response.status_code == 302
    assert Condition.objects.get(rule__name="New rule").operator == "between"
    assert services.assign(owner, canonical_answers("sage")).archetype.slug == "bard"


def test_the_condition_form_names_the_field():
    trait = Trait.objects.get(slug="vitality")
    form = ConditionForm({"trait": trait.pk, "operator": "between", "value": "70", "value_to": "20"})
    assert not form.is_valid()
    assert form.errors == {"value_to": ["The upper end is below the lower: the range is empty."]}
    assert ConditionForm({"trait": trait.pk, "operator": "lte", "value": "20", "value_to": ""}).is_valid()


def test_saving_or_deleting_content_clears_the_cache(staff_client):
    question = content.quiz().questions[0]
    url = reverse("admin:archetypes_question_change", args=[question.pk])
    page = staff_client.get(url)
    data = _form_data(page)
    data["text"] = "Edited in admin"
    assert staff_client.post(url, data).status_code == 302
    assert content.quiz().questions[0].text == "Edited in admin"
    delete = reverse("admin:archetypes_question_delete", args=[question.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 302
    assert len(content.quiz().questions) == 13
    changelist = reverse("admin:archetypes_question_changelist")
    ids = [str(question.pk) for question in content.quiz().questions[:2]]
    staff_client.post(changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert len(content.quiz().questions) == 11


def _form_data(page) -> dict:
    """The change form's fields as the browser would post them (the inline's too)."""
    form = page.context["adminform"].form
    data = {name: form.initial.get(name, field.initial) for name, field in form.fields.items()}
    data["active"] = "on" if data.get("active") else ""
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({f"{formset.prefix}-{key}": value for key, value in management.initial.items()})
        for n, child in enumerate(formset.forms):
            for name, field in child.fields.items():
                value = child.initial.get(name, field.initial)
                data[f"{formset.prefix}-{n}-{name}"] = getattr(value, "pk", value) if value is not None else ""
    return data


def test_staff_reassign_through_the_action(staff_client, staff, owner, stranger):
    first = services.assign(owner, canonical_answers("sage"))
    services.assign(stranger, canonical_answers("ranger"))
    stoic = Archetype.objects.get(slug="stoic")
    response = staff_client.post(reverse("admin:archetypes_assignment_changelist"), {
        "action": "reassign", "_selected_action": [first.pk, Assignment.objects.get(user=stranger).pk],
        "archetype": stoic.pk,
    })
    assert response.status_code == 302
    for user in (owner, stranger):
        now = services.current(user)
        assert now.archetype == stoic and now.source == "staff" and now.assigned_by == staff
        assert len(services.history(user)) == 2


def test_the_action_without_an_archetype_changes_nothing(staff_client, owner):
    first = services.assign(owner, canonical_answers("sage"))
    response = staff_client.post(reverse("admin:archetypes_assignment_changelist"), {
        "action": "reassign", "_selected_action": [first.pk], "archetype": "",
    }, follow=True)
    assert "Choose the archetype" in response.content.decode()
    assert services.current(owner) == first


def test_a_condition_on_its_own_page_is_checked_like_one_in_a_rule(staff_client):
    """The standalone condition page (besides the rule's inline) names the rule and keeps
    the validation: a 'between' without its upper end is refused."""
    from archetypes.models import Condition

    rule = Rule.objects.first()
    trait = Trait.objects.first()
    assert staff_client.get(reverse("admin:archetypes_condition_add")).status_code == 200
    before = Condition.objects.count()
    data = {"rule": rule.pk, "trait": trait.pk, "operator": "between", "value": "20", "value_to": ""}
    response = staff_client.post(reverse("admin:archetypes_condition_add"), data)
    assert response.status_code == 200 and Condition.objects.count() == before
    data["value_to"] = "60"
    assert staff_client.post(reverse("admin:archetypes_condition_add"), data).status_code == 302
    assert Condition.objects.count() == before + 1
