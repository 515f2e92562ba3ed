from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from krm.lib.admin import ReadOnlyForStaff

from .models import InboundMail, Mailbox


class MailboxForm(forms.ModelForm):
    """The password is written, never shown again: empty keeps the stored one."""

    password = forms.CharField(
        label="Passwort",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Wird nicht wieder angezeigt. Leer lassen: das gespeicherte bleibt.",
    )

    class Meta:
        model = Mailbox
        fields = [
            "jobcenter",
            "name",
            "host",
            "port",
            "security",
            "username",
            "password",
            "folder",
            "processed_folder",
            "is_active",
        ]

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password") or ""
        if password:
            return password
        moved = {"host", "port", "security", "username"} & set(self.changed_data)
        if self.instance.pk and moved:
            # Otherwise whoever may change the server could send the stored password to a
            # server of their own.
            raise forms.ValidationError(
                "Server, Port, Verschlüsselung oder Benutzername geändert: bitte das Passwort "
                "erneut eingeben."
            )
        if self.instance.pk:
            return self.instance.password
        raise forms.ValidationError("Bitte das Passwort des Postfachs angeben.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("host", "username", "folder", "processed_folder"):
            value = data.get(name) or ""
            if any(c in value for c in "\r\n\x00"):
                self.add_error(name, "Zeilenumbrüche sind hier nicht erlaubt.")
        return data


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = [
        "name",
        "jobcenter",
        "host",
        "username",
        "is_active",
        "last_polled_at",
        "last_error",
    ]
    readonly_fields = ["last_polled_at", "last_error"]


@admin.register(InboundMail)
class InboundMailAdmin(ReadOnlyForStaff, admin.ModelAdmin):
    """What krm read, for the technical administration: no case contents (the subject, the
    sender and the text are the case's; administrators do not read cases)."""

    list_display = ["read_at", "source", "outcome", "aktenzeichen", "size"]
    list_filter = ["outcome"]
    fields = [
        "read_at",
        "source",
        "message_id",
        "sha256",
        "size",
        "outcome",
        "aktenzeichen",
        "reason",
        "hints",
    ]

    def get_queryset(self, request: HttpRequest) -> Any:
        rows = super().get_queryset(request).select_related("case")
        if request.user.is_superuser:
            return rows
        return rows.filter(jobcenter_id=request.user.jobcenter_id)

    @admin.display(description="Aktenzeichen")
    def aktenzeichen(self, obj: InboundMail) -> str:
        return obj.case.aktenzeichen if obj.case_id else "–"

    @admin.display(description="Hinweise")
    def hints(self, obj: InboundMail) -> str:
        return " · ".join(obj.notes) or "–"
