"""The OpenAPI description and the docs page (public; Swagger UI served locally, no
inline script under the site's CSP)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/plan": {"get"},
    "/api/v1/habits": {"get", "post"},
    "/api/v1/habits/{habit_id}": {"get", "patch", "delete"},
    "/api/v1/habits/{habit_id}/log/{day}": {"put", "delete"},
    "/api/v1/habits/{habit_id}/logs": {"get"},
    "/api/v1/habits/{habit_id}/stats": {"get"},
    "/api/v1/analytics/dashboard": {"get"},
    "/api/v1/analytics/habits/{habit_id}/heatmap": {"get"},
    "/api/v1/analytics/habits/{habit_id}/weekly": {"get"},
    "/api/v1/analytics/habits/{habit_id}/monthly": {"get"},
    "/api/v1/analytics/habits/{habit_id}/consistency-trend": {"get"},
    "/api/v1/suggestions/habits/{habit_id}/adaptive": {"get"},
    "/api/v1/pillars": {"get", "post"},
    "/api/v1/pillars/{pillar_id}": {"get", "patch", "delete"},
    "/api/v1/habits/{habit_id}/log/{day}/snooze": {"post"},
    "/api/v1/me": {"get", "patch"},
    "/api/v1/pet": {"get"},
    "/api/v1/achievements": {"get"},
    "/api/v1/leaderboard": {"get"},
    "/api/v1/xp-events": {"get"},
    "/api/v1/goals": {"get", "post"},
    "/api/v1/goals/{goal_id}": {"get", "patch", "delete"},
    "/api/v1/goals/{goal_id}/habits/{habit_id}": {"put", "delete"},
    "/api/v1/goals/{goal_id}/entries": {"post"},
    "/api/v1/goals/{goal_id}/progress": {"get"},
    "/api/v1/notifications": {"get"},
    "/api/v1/notifications/mark-read": {"post"},
    "/api/v1/notifications/preferences": {"get", "put"},
    "/api/v1/quests": {"get", "post"},
    "/api/v1/quests/next-up": {"get"},
    "/api/v1/quests/{quest_id}": {"get", "patch", "delete"},
    "/api/v1/quests/{quest_id}/start": {"post"},
    "/api/v1/quests/{quest_id}/complete": {"post"},
    "/api/v1/quests/{quest_id}/reopen": {"post"},
    "/api/v1/quests/{quest_id}/abandon": {"post"},
    "/api/v1/quests/{quest_id}/progress": {"post"},
    "/api/v1/quests/{quest_id}/dependencies": {"get", "post"},
    "/api/v1/quests/{quest_id}/dependencies/{other_id}": {"delete"},
    "/api/v1/quest-templates": {"get", "post"},
    "/api/v1/quest-templates/{template_id}": {"delete"},
    "/api/v1/quests/from-template/{slug}": {"post"},
    "/api/v1/quests/{quest_id}/attachments": {"get", "post"},
    "/api/v1/quests/{quest_id}/attachments/{attachment_id}": {"get", "delete"},
    "/api/v1/quests/{quest_id}/attachments/{attachment_id}/download": {"get"},
    "/api/v1/quests/{quest_id}/attachments/{attachment_id}/thumbnail": {"get"},
    "/api/v1/quiz": {"get"},
    "/api/v1/archetypes": {"get"},
    "/api/v1/archetypes/{archetype_id}": {"get"},
    "/api/v1/archetypes/assign": {"post"},
    "/api/v1/users/me/archetype": {"get"},
    "/api/v1/houses": {"get"},
    "/api/v1/checkins": {"get"},
    "/api/v1/checkins/{day}": {"get", "put", "delete"},
    "/api/v1/life-events": {"get", "post"},
    "/api/v1/life-events/{event_id}": {"get", "patch", "delete"},
    "/api/v1/insights/predictions/{day}": {"get"},
    "/api/v1/insights/what-if": {"post"},
    "/api/v1/insights/statements": {"get"},
    "/api/v1/insights/models": {"get"},
    "/api/v1/verifications": {"post"},
    "/api/v1/verifications/{verification_id}": {"get"},
    "/api/v1/verifications/{verification_id}/media": {"get"},
    "/api/v1/reviews/claim": {"post"},
    "/api/v1/reviews/opt-in": {"post"},
    "/api/v1/reviews/opt-out": {"post"},
    "/api/v1/reviews/{review_id}/decision": {"post"},
    "/api/v1/reviews/{review_id}/pass": {"post"},
}


def test_the_openapi_description_lists_every_path(anon):
    response = anon.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "HabitStory API"
    assert {path: set(ops) for path, ops in schema["paths"].items()} == PATHS
    assert set(schema["components"]["securitySchemes"]) == {"BearerToken", "BrowserSession"}


def test_operations_document_the_envelope_and_the_errors(anon):
    schema = anon.get("/api/v1/openapi.json").json()
    create = schema["paths"]["/api/v1/habits"]["post"]
    assert create["operationId"] == "create_habit"
    assert set(create["responses"]) == {"201", "400", "401", "403", "404", "409", "413", "415", "429"}
    envelope = create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][envelope]["properties"]) == {"data", "meta"}
    delete = schema["paths"]["/api/v1/habits/{habit_id}"]["delete"]
    assert "200" in delete["responses"] and "data: null" in delete["description"]


def test_the_docs_page_needs_no_login_and_no_inline_script(anon):
    response = anon.get("/api/v1/docs")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    nonce = re.search(r"script-src [^;]*'nonce-([^']+)'", policy).group(1)
    html = response.content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert len(scripts) == 2
    assert all(f'nonce="{nonce}"' in tag and " src=" in tag for tag in scripts), scripts
    assert re.findall(r"<script[^>]*>\s*[^<\s]", html) == []  # nothing between the tags
    assert " style=" not in html and "<style" not in html
    assert "http://" not in html and "https://" not in html  # no CDN
    assert 'data-openapi-url="/api/v1/openapi.json"' in html


def test_the_docs_page_gives_a_signed_in_user_the_csrf_token(owner_client):
    html = owner_client.get("/api/v1/docs").content.decode()
    assert re.search(r'data-csrf-token="[^"]+"', html)


def test_the_docs_assets_are_served_locally(anon):
    html = anon.get("/api/v1/docs").content.decode()
    urls = re.findall(r'(?:src|href)="(/[^"]+)"', html)
    assert any("swagger-ui-bundle.js" in url for url in urls)
    assert any("swagger-ui.css" in url for url in urls)
    assert any(url.endswith("/static/api/swagger-init.js") for url in urls)
    for url in urls:
        response = anon.client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body
    bundle = anon.client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert bundle["Content-Type"].startswith("text/javascript")
    assert "immutable" in bundle["Cache-Control"]


@pytest.mark.parametrize("name", ["swagger-ui-init.js", "../__init__.py", "redoc.standalone.js", "x"])
def test_only_the_docs_assets_are_served(anon, name):
    assert anon.get(f"/api/v1/docs/assets/{name}").status_code == 404
