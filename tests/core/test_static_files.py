"""Production static files: hashed names, ES module imports included (the service worker
and app.js load the offline modules by import)."""

from __future__ import annotations

import json

from django.core.management import call_command


def test_module_imports_are_rewritten_to_the_hashed_names(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "habitstory.core.static_files.HashedStaticFiles"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    app = (tmp_path / paths["js/app.js"]).read_text()
    hashed = paths["js/live-swaps.js"].rsplit("/", 1)[1]
    assert hashed != "live-swaps.js"
    assert f'from "./{hashed}";' in app
