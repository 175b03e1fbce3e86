"""The console's form and spreadsheet pages, for the permission meta-tests in
tests/test_permissions.py: what an admin's walk requests (each passes authorization and changes
nothing), and what another department's user tries against department B."""

from __future__ import annotations

from typing import Any

# Refused by the list's rules or the upload checks after authorization: nothing changes.
WALKED_POSTS: list[tuple[str, dict[str, Any]]] = [
    ("/console/new/service-items", {"name": ""}),  # 事项名称 is required
    ("/console/service-items/import", {}),  # no file
    ("/console/service-items/import/commit", {"key": "0" * 32}),  # no such checked upload
]


def walked_console_forms(item_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, url, form) for an admin's walk of the forms and the spreadsheet pages."""
    pages = [
        "/console/new",
        "/console/new/service-items",
        "/console/service-items",
        f"/console/service-items/{item_id}/edit",
        f"/console/service-items/{item_id}/preview",
        "/console/import",
        "/console/service-items/import",
        "/console/service-items/template",
        "/console/service-items/export",
        "/console/lookup/service-items/legal_basis_ids?q=法",
    ]
    posts = [
        *WALKED_POSTS,
        (f"/console/service-items/{item_id}/edit", {"version": "999999"}),
    ]  # stale
    return [("GET", url, {}) for url in pages] + [("POST", url, form) for url, form in posts]


def tried_against(row_id: int, department_id: int) -> list[tuple[str, dict[str, Any]]]:
    """The form posts a user of department A may try against department B: a new row for B, an
    edit of B's row, an upload and a commit (into A's own list, or refused to a reviewer)."""
    return [
        ("/console/new/service-items", {"name": "越权新建", "department_id": str(department_id)}),
        (f"/console/service-items/{row_id}/edit", {"version": "1", "name": "越权修改"}),
        *WALKED_POSTS[1:],
    ]
