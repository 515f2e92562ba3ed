"""The Django admin for accounts: configuration only, and nothing in it gives anyone access
on one administrator's word. Roles, administration rights and passwords set for someone
else are requests that a second administrator approves (four-eyes, `Approval`); every
change lands in the security log (krm/audit/tracking.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from . import services
from .models import Absence, Approval, OrgUnit, RoleAssignment, User

# krm gives no rights through Django's groups (roles are krm's own, by four eyes).
admin.site.unregister(Group)


class PasswordRequestForm(AdminPasswordChangeForm):
    """Django's form for a password set in the admin, without "disable password login":
    for someone else's account it becomes a request for a second administrator."""

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = self.fields["password2"].required = True


class RoleAssignmentInline(admin.TabularInline):
    """The roles a person holds: revoked here at once; given only through a request that a
    second administrator approves."""

    model = RoleAssignment
    extra = 0
    fields = ["role", "org_unit"]
    readonly_fields = ["role", "org_unit"]
    verbose_name_plural = "Rollen (neue über „Freigaben“ beantragen)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _report(request: HttpRequest, exc: Exception) -> None:
    texts = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
    for text in texts:
        messages.error(request, text)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email")}),
        ("Jobcenter", {"fields": ("jobcenter", "home_unit")}),
        (
            "Rechte",
            {
                "fields": ("is_active", "is_staff", "is_superuser", "must_change_password"),
                "description": "Administrationsrechte erteilt die Aktion „Administrationsrechte "
                "beantragen“ mit Freigabe durch eine zweite Administratorin.",
            },
        ),
        ("Daten", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["is_staff", "is_superuser", "must_change_password", "last_login"]
    list_display = ["username", "first_name", "last_name", "jobcenter", "home_unit", "is_active"]
    list_filter = ["jobcenter", "is_active", "is_staff", "role_assignments__role"]
    list_select_related = ["jobcenter", "home_unit"]
    inlines = [RoleAssignmentInline]
    actions = ["request_admin_rights", "revoke_admin_rights"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: cases refer to it, and deleting would show them

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            # The administrator knows the first password: its owner replaces it at once.
            obj.must_change_password = True
        super().save_model(request, obj, form, change)

    @admin.action(description="Administrationsrechte beantragen (Vier-Augen-Prinzip)")
    def request_admin_rights(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset:
            try:
                services.request_admin_rights(actor=request.user, user=user)
            except (ValidationError, PermissionDenied) as exc:
                _report(request, exc)
            else:
                messages.info(request, f"Beantragt für {user}; es fehlt die Freigabe.")

    @admin.action(description="Administrationsrechte entziehen")
    def revoke_admin_rights(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset.exclude(pk=request.user.pk):
            user.is_staff = user.is_superuser = False
            user.save(update_fields=["is_staff", "is_superuser"])

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """One's own password as Django does it; anyone else's as a request for approval."""
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404
        if user.pk == request.user.pk:
            return super().user_change_password(request, id, form_url)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        form = PasswordRequestForm(user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.request_password(
                    actor=request.user, user=user, password=form.cleaned_data["password1"]
                )
            except (ValidationError, PermissionDenied) as exc:
                _report(request, exc)
            else:
                messages.info(
                    request,
                    "Das Passwort gilt, sobald eine zweite Administratorin es freigibt; "
                    f"{user} muss es bei der ersten Anmeldung ändern.",
                )
                return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Passwort setzen (Vier-Augen-Prinzip): {user.get_username()}",
            "form": form,
            "adminForm": admin.helpers.AdminForm(
                form, [(None, {"fields": list(form.base_fields)})], {}
            ),
            "form_url": form_url,
            "is_popup": False,
            "add": True,
            "change": False,
            "has_delete_permission": False,
            "has_change_permission": True,
            "has_absolute_url": False,
            "opts": self.opts,
            "original": user,
            "save_as": False,
            "show_save": True,
        }
        return TemplateResponse(request, "admin/auth/user/change_password.html", context)


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    """Requests wait here for a second administrator."""

    list_display = [
        "__str__",
        "kind",
        "jobcenter",
        "state",
        "requested_by",
        "requested_at",
        "decided_by",
    ]
    list_filter = ["state", "kind"]
    list_select_related = ["user", "org_unit", "requested_by", "decided_by"]
    fields = ["kind", "user", "role", "org_unit", "superuser", "deputy", "start", "end", "note"]
    actions = ["approve", "reject"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return [*self.fields, "jobcenter", "state", "requested_by", "requested_at", "decided_by"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a request stays on record

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "kind":  # passwords are requested on the person's page
            kwargs["choices"] = [
                (k.value, k.label) for k in (Approval.Kind.ROLE, Approval.Kind.ADMIN_RIGHTS)
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Approval, form: Any, change: bool) -> None:
        if obj.kind == Approval.Kind.ROLE:
            approval = services.request_role(
                actor=request.user, user=obj.user, role=obj.role, org_unit=obj.org_unit
            )
        elif obj.kind == Approval.Kind.ADMIN_RIGHTS:
            approval = services.request_admin_rights(
                actor=request.user, user=obj.user, superuser=obj.superuser
            )
        else:
            raise ValidationError("Ein Passwort setzen Sie in der Benutzerverwaltung.")
        obj.pk = approval.pk

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None):
        try:
            return super().add_view(request, form_url, extra_context)
        except (ValidationError, PermissionDenied) as exc:
            _report(request, exc)
            return HttpResponseRedirect(request.get_full_path())

    def _decide(self, request: HttpRequest, queryset: Any, approve: bool) -> None:
        for approval in queryset:
            try:
                services.decide(actor=request.user, approval=approval, approve=approve)
            except (ValidationError, PermissionDenied) as exc:
                _report(request, exc)
            else:
                verb = "freigegeben" if approve else "abgelehnt"
                messages.success(request, f"{approval}: {verb}.")

    @admin.action(description="Freigeben (als zweite Administratorin)")
    def approve(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Ablehnen (oder den eigenen Antrag zurückziehen)")
    def reject(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, approve=False)


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "lgf_responsible", "is_active", "jobcenter"]
    list_filter = ["jobcenter", "level", "lgf_responsible", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "jobcenter"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: cases refer to it, and deleting would show them


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    """An absence without a named deputy takes effect at once (for the KRM-B the Vertretung
    acts); one with a named deputy is a request a second administrator approves, and is
    then only ended (deleted), not changed."""

    list_display = ["user", "start", "end", "deputy", "note"]
    list_select_related = ["user", "deputy"]
    date_hierarchy = "start"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.deputy_id:
            return False
        return super().has_change_permission(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if obj is not None:  # a deputy is named only with a new absence (four-eyes)
            kwargs["exclude"] = ["deputy"]
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request: HttpRequest, obj: Absence, form: Any, change: bool) -> None:
        if change or not obj.deputy_id:
            super().save_model(request, obj, form, change)
            return
        services.request_deputy(
            actor=request.user,
            user=obj.user,
            deputy=obj.deputy,
            start=obj.start,
            end=obj.end,
            note=obj.note,
        )
        obj.requested = True

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if getattr(obj, "requested", False):
            return None  # nothing added yet: the request is in the security log
        return super().log_addition(request, obj, message)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None):
        if getattr(obj, "requested", False):
            messages.info(
                request,
                "Die Vertretung gilt, sobald eine zweite Administratorin sie unter "
                "„Freigaben“ freigibt.",
            )
            return HttpResponseRedirect(reverse("admin:accounts_absence_changelist"))
        return super().response_add(request, obj, post_url_continue)
