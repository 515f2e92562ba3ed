from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from .models import Letterhead


class LetterheadForm(forms.ModelForm):
    class Meta:
        model = Letterhead
        fields = [
            "jobcenter",
            "name",
            "address",
            "return_address",
            "office_hours",
            "contact",
            "bank",
            "logo",
            "form",
            "closing",
        ]

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "read") and not getattr(logo, "_committed", True):
            from krm.documents.inspection import FileRefused, inspect

            data = logo.read()
            logo.seek(0)
            try:
                inspected = inspect(logo.name, data)
            except FileRefused as refused:
                raise forms.ValidationError(refused.message) from None
            if inspected.content_type not in ("image/png", "image/jpeg"):
                raise forms.ValidationError("Das Logo muss eine PNG- oder JPEG-Datei sein.")
            if len(data) > 1024 * 1024:
                raise forms.ValidationError("Das Logo darf höchstens 1 MB groß sein.")
        return logo


@admin.register(Letterhead)
class LetterheadAdmin(admin.ModelAdmin):
    form = LetterheadForm
    list_display = ["name", "jobcenter", "form"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
