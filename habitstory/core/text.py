"""What text a user may type, checked the same way everywhere.

Each text field's length limit is its model field's `max_length` (the forms, the admin,
the API schemas and the services read it there). The characters are checked here:

- a **label** (a name, a unit) is one line of visible text: no control character (C0,
  DEL) and no bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069), which
  could make a name read differently from what it is;
- a **text** (notes, a description) may have tabs and line breaks (LF, and CR as in a
  browser's CRLF) but no other control character.

The same rules as regular expressions (`LABEL_PATTERN`, `NAME_PATTERN`, `TEXT_PATTERN`)
go into the API's OpenAPI schema, written so that Python, JavaScript and pydantic's Rust
engine read them alike.
"""

from __future__ import annotations

from django.core.validators import RegexValidator

# Character classes, without brackets.
_CONTROLS = r"\u0000-\u001f\u007f"
_TEXT_CONTROLS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f"  # tab, LF and CR allowed
_BIDI = r"\u202a-\u202e\u2066-\u2069"

LABEL_PATTERN = rf"^[^{_CONTROLS}{_BIDI}]*$"
# A name: a label with at least one character that is not white space.
NAME_PATTERN = rf"^[^{_CONTROLS}{_BIDI}]*[^\s{_CONTROLS}{_BIDI}][^{_CONTROLS}{_BIDI}]*$"
TEXT_PATTERN = rf"^[^{_TEXT_CONTROLS}]*$"

LABEL_MESSAGE = "Use plain text on one line: no control or text-direction characters."
TEXT_MESSAGE = "Remove the control characters (tabs and line breaks are fine)."

validate_label = RegexValidator(rf"[{_CONTROLS}{_BIDI}]", LABEL_MESSAGE, "control_characters", inverse_match=True)
validate_text = RegexValidator(rf"[{_TEXT_CONTROLS}]", TEXT_MESSAGE, "control_characters", inverse_match=True)
