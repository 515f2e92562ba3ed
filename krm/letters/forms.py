from __future__ import annotations

from django import forms

from .models import Letter, LetterKind


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label="Schreiben", choices=LetterKind.choices)
    format = forms.ChoiceField(
        label="Format",
        choices=[
            ("pdf", "PDF (zum Versand und für die Akte)"),
            ("docx", "DOCX (zum Bearbeiten in Word)"),
        ],
        initial="pdf",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, kinds: list[str] | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(k, LetterKind(k).label) for k in kinds]


class SentForm(forms.Form):
    via = forms.ChoiceField(label="Versand", choices=Letter.Via.choices, initial="post")


class TemplateForm(forms.Form):
    subject = forms.CharField(label="Betreff / Überschrift", max_length=300)
    body = forms.CharField(
        label="Text",
        widget=forms.Textarea(attrs={"rows": 18}),
        max_length=20_000,
    )
    note = forms.CharField(label="Was haben Sie geändert?", max_length=300, required=False)
    based_on = forms.IntegerField(widget=forms.HiddenInput)
