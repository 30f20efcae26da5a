from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from habitstory.api.models import ApiToken

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_it_prints_a_working_token(owner):
    out, err = StringIO(), StringIO()
    call_command("create_token", "OWNER@example.com", "--name", "CI checks", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(user=owner)
    assert raw.startswith("hs_") and raw.startswith(token.prefix)
    assert token.name == "CI checks"
    assert "owner@example.com" in err.getvalue()
    assert ApiClient(raw).get("/api/v1/habits").status_code == 200


def test_the_name_has_a_default(owner):
    call_command("create_token", "owner@example.com", stdout=StringIO(), stderr=StringIO())
    assert ApiToken.objects.get().name == "Command line"


def test_an_unknown_email_is_an_error(db):
    with pytest.raises(CommandError, match="nobody@example.com"):
        call_command("create_token", "nobody@example.com", stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("name", ["", "x" * 61])
def test_a_bad_name_is_an_error(owner, name):
    with pytest.raises(CommandError, match="--name"):
        call_command("create_token", "owner@example.com", "--name", name, stdout=StringIO(), stderr=StringIO())


@pytest.mark.parametrize("name", ["", "x" * 61, "Phone\u202e", "Pho\x1bne"])
def test_a_bad_name_is_refused_and_nothing_is_made(owner, name):
    with pytest.raises(CommandError, match="--name"):
        call_command("create_token", "owner@example.com", "--name", name, stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()
