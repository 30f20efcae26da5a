"""Static files in production: whitenoise's compressed, hashed names, with the imports of
our own ES modules (`import { x } from "./live-swaps.js";` in static/js/) rewritten to the
hashed names too, so each module is loaded once and cached for good. Django can rewrite
module imports in every script (`support_js_module_import_aggregation`), but third-party
scripts (django-htmx's extensions) import paths that are not static files, so only ours
are rewritten."""

from __future__ import annotations

from django.contrib.staticfiles.storage import HashedFilesMixin
from whitenoise.storage import CompressedManifestStaticFilesStorage

# Django's patterns for `import … from "…";`, `export … from "…";` and `import("…")`.
_MODULE_IMPORTS = HashedFilesMixin._js_module_import_aggregation_patterns[1]


class HashedStaticFiles(CompressedManifestStaticFilesStorage):
    patterns = (*CompressedManifestStaticFilesStorage.patterns, ("js/*.js", _MODULE_IMPORTS))
