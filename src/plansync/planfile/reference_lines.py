"""Lines that list what a task answers to (`Requirements: FR-045, FR-046`, Kiro's
`_Requirements: 1.2, 3.4_`, `Implements: SPEC-3`): the IDs there name requirements or other
documents, never tasks, so such a line defines none.
"""

from __future__ import annotations

import re

_REFERENCE_LINE = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__|_)?\s*(?:requirements?|reqs?|refs?|references?|implements|"
    r"covers|satisfies|traces? to|specs?|user stories|requisitos?|anforderungen|exigences?|"
    r"需求|要件|yêu cầu|требования)\s*(?:\*\*|__)?\s*[:：]",
    re.IGNORECASE,
)


def is_reference_line(text: str) -> bool:
    """Whether the (plain) line is a list of requirements or references."""
    return (":" in text or "：" in text) and _REFERENCE_LINE.match(text) is not None
