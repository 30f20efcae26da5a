from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from habitstory.notifications import services
from habitstory.notifications.models import Notification
from habitstory.notifications.services import notify

pytestmark = pytest.mark.django_db

INBOX = "/inbox/"
HTMX = {"HX-Request": "true"}


def read_url(n) -> str:
    return reverse("notifications:mark-read", args=[n.pk])


def test_the_urls_are_mounted():
    assert reverse("notifications:inbox") == INBOX
    assert reverse("notifications:mark-all-read") == "/inbox/read-all/"
    assert reverse("notifications:clear-read") == "/inbox/clear-read/"


@pytest.mark.parametrize("url", [INBOX, "/inbox/1/read/", "/inbox/read-all/", "/inbox/clear-read/"])
def test_it_requires_login(client, url):
    response = client.post(url) if url != INBOX else client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_it_lists_newest_first_with_unread_highlighted(
    owner_client, owner, stranger, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False)
    with django_capture_on_commit_callbacks(execute=True):  # the service caches the count on commit
        old = notify(owner, "nudges", "Older one", "Body text", "/habits/")
        time_machine.shift(dt.timedelta(hours=1))
        notify(owner, "achievements", "Newer one")
        services.mark_read(old)
        notify(stranger, "nudges", "Not yours")
        owner.profile.notification_preferences = {**owner.profile.notification_preferences, "goals": ["email"]}
        owner.profile.save()
        notify(owner, "goals", "E-mail only")

    response = owner_client.get(INBOX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Newer one") < html.index("Older one")
    assert "Not yours" not in html and "E-mail only" not in html
    assert '<a class="notification-title" href="/habits/">Older one</a>' in html
    assert "Body text" in html
    newer = Notification.objects.get(title="Newer one")
    assert f'class="notification is-unread" id="notification-{newer.pk}"' in html
    assert f'class="notification" id="notification-{old.pk}"' in html
    assert 'id="bell"' in html and "Notifications, 1 unread" in html


def test_a_cold_bell_fetches_its_number_once(owner_client):
    html = owner_client.get(INBOX).content.decode()
    assert 'hx-get="/inbox/bell/"' in html and 'aria-label="Notifications"' in html
    assert "All quiet" in html

    bell = owner_client.get("/inbox/bell/").content.decode()
    assert 'id="bell"' in bell and "Notifications, 0 unread" in bell
    assert '<span class="bell-count" aria-hidden="true" hidden>0</span>' in bell
    assert "hx-get" not in bell

    html = owner_client.get(INBOX).content.decode()  # now cached
    assert "Notifications, 0 unread" in html and 'hx-get="/inbox/bell/"' not in html


def test_the_bell_endpoint_is_get_only_and_private(client, owner):
    response = client.get("/inbox/bell/")
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    client.force_login(owner)
    assert client.post("/inbox/bell/").status_code == 405


def test_it_paginates_by_fifty(owner_client, owner):
    Notification.objects.bulk_create(
        Notification(user=owner, kind="nudges", title=f"Nudge {i:02d}") for i in range(51)
    )
    first = owner_client.get(INBOX).content.decode()
    assert first.count('class="notification is-unread"') == 50
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    second = owner_client.get(INBOX, {"page": 2}).content.decode()
    assert second.count('class="notification is-unread"') == 1


def test_it_rejects_wrong_methods(owner_client, owner):
    n = notify(owner, "nudges", "One")
    assert owner_client.post(INBOX).status_code == 405
    assert owner_client.get(read_url(n)).status_code == 405
    assert owner_client.get("/inbox/read-all/").status_code == 405
    assert owner_client.get("/inbox/clear-read/").status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


def test_it_marks_one_read_with_a_plain_post(owner_client, owner):
    n = notify(owner, "nudges", "One")
    response = owner_client.post(read_url(n))
    assert response.status_code == 302 and response.url == INBOX
    n.refresh_from_db()
    assert n.read_at is not None
    assert services.unread_count(owner) == 0


def test_it_marks_one_read_with_htmx(owner_client, owner):
    n = notify(owner, "nudges", "One")
    notify(owner, "nudges", "Two")
    response = owner_client.post(read_url(n), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<li class="notification" id="notification-{n.pk}">' in html
    assert "Mark read" not in html
    assert 'id="bell"' in html and 'hx-swap-oob="true"' in html and "Notifications, 1 unread" in html
    n.refresh_from_db()
    assert n.read_at is not None


def test_a_strangers_notification_is_a_404(client, owner, stranger):
    n = notify(owner, "nudges", "Mine")
    client.force_login(stranger)
    assert client.post(read_url(n)).status_code == 404
    assert client.post(read_url(n), headers=HTMX).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_it_marks_all_read(owner_client, owner, stranger):
    for title in ("One", "Two", "Three"):
        notify(owner, "nudges", title)
    theirs = notify(stranger, "nudges", "Theirs")
    services.unread_count(owner)  # warm the cache
    response = owner_client.post("/inbox/read-all/")
    assert response.status_code == 302 and response.url == INBOX
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert services.unread_count(owner) == 0
    assert "Marked 3 notifications read." in owner_client.get(INBOX).content.decode()


def test_it_clears_read_notifications_older_than_30_days(owner_client, owner, stranger, time_machine):
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    time_machine.move_to(start, tick=False)
    old_read = notify(owner, "nudges", "Old and read")
    old_unread = notify(owner, "nudges", "Old but unread")
    theirs = notify(stranger, "nudges", "Old, read, theirs")
    services.mark_read(old_read)
    services.mark_read(theirs)
    time_machine.move_to(start + dt.timedelta(days=29), tick=False)
    recent_read = notify(owner, "nudges", "Recent and read")
    services.mark_read(recent_read)
    time_machine.move_to(start + dt.timedelta(days=31), tick=False)

    response = owner_client.post("/inbox/clear-read/")
    assert response.status_code == 302 and response.url == INBOX
    left = set(Notification.objects.values_list("pk", flat=True))
    assert left == {old_unread.pk, theirs.pk, recent_read.pk}
    assert "Cleared 1 read notification older than 30 days." in owner_client.get(INBOX).content.decode()


def test_the_query_count_does_not_grow_with_the_list(owner_client, owner):
    def queries_for(count: int) -> int:
        Notification.objects.filter(user=owner).delete()
        Notification.objects.bulk_create(
            Notification(user=owner, kind="nudges", title=f"N{i}", url="/habits/") for i in range(count)
        )
        cache.clear()  # bulk_create bypasses the service, which keeps the cached count right
        services.unread_count(owner)  # as the service leaves it: cached
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(INBOX)
        html = response.content.decode()
        assert html.count('class="notification is-unread"') == count
        assert f"Notifications, {count} unread" in html
        return len(queries)

    assert queries_for(5) == queries_for(50)


def test_pages_never_count_for_the_bell(owner_client, owner):
    notify(owner, "nudges", "One")

    def count_queries() -> tuple[list[str], str]:
        with CaptureQueriesContext(connection) as queries:
            html = owner_client.get(INBOX).content.decode()
        sqls = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"] and "read_at" in q["sql"]]
        return sqls, html

    cache.clear()
    cold, html = count_queries()
    assert cold == [] and 'hx-get="/inbox/bell/"' in html
    services.unread_count(owner)
    warm, html = count_queries()
    assert warm == [] and "Notifications, 1 unread" in html
