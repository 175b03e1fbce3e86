"""The review and administration pages' routes, for the permission meta-tests in
tests/test_permissions.py: what an admin's walk requests (each passes authorization and changes
nothing), and the forms another department's user is refused."""

from __future__ import annotations

from typing import Any

# Each form is refused by its service after authorization (a taken username, a short password,
# an unknown account or token, an out-of-range term), so the walk changes nothing.
ADMIN_FORMS: list[tuple[str, dict[str, Any]]] = [
    ("/console/admin/users", {"username": "walker", "password": "short", "role": "admin"}),
    ("/console/admin/users/nobody-walks/deactivate", {}),
    ("/console/admin/users/nobody-walks/reviews", {"reviewed_department_ids": "1"}),
    ("/console/admin/tokens", {"name": "walk", "role": "admin", "days": "0"}),
    ("/console/admin/tokens/999999/revoke", {}),
]


def walked_console_review(item_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, url, form) for an admin's walk: the review pages of a row, and the admin pages."""
    pages = [
        f"/console/review/service-items/{item_id}",
        f"/console/review/service-items/{item_id}/preview",
        "/console/admin/users",
        "/console/admin/tokens",
    ]
    return [("GET", url, {}) for url in pages] + [("POST", url, form) for url, form in ADMIN_FORMS]
