from django.http import HttpRequest

from .access import access_for


def krm_user(request: HttpRequest) -> dict:
    """The current user's effective access, for the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"krm_access": access_for(user)}
