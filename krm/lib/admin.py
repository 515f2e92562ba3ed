"""Admin pages that administrators may look at and nobody may change."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ReadOnlyForStaff:
    """A ModelAdmin mixin: active staff see the rows; nobody adds, changes or deletes."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_staff
