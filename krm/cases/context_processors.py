from django.http import HttpRequest

from krm.accounts.access import access_for

from . import permissions


def navigation(request: HttpRequest) -> dict:
    """The current user's effective access and what the navigation offers them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"krm_access": access_for(user), "krm_can_capture": permissions.can_capture(user)}
