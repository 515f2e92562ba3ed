from __future__ import annotations

from django import forms

from .models import UPLOAD_KINDS, Document, DocumentKind


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Datei",
        help_text="PDF, TIFF, JPEG, PNG, E-Mail (.eml, .msg) oder Office-Datei; "
        "Sie können die Datei auch auf dieses Feld ziehen.",
        error_messages={
            "required": "Bitte wählen Sie eine Datei aus.",
            "empty": "Die Datei ist leer.",
            "invalid": "Es wurde keine Datei übertragen. Bitte versuchen Sie es erneut.",
        },
    )
    previous = forms.TypedChoiceField(
        label="Neue Version von",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Nur wenn die Datei ein vorhandenes Dokument ersetzt (z. B. ein in Word "
        "bearbeitetes Schreiben); die frühere Version bleibt erhalten.",
    )

    kind = forms.ChoiceField(
        label="Art (bei neuen Dokumenten)", choices=UPLOAD_KINDS, initial=DocumentKind.EINGANG
    )
    title = forms.CharField(
        label="Bezeichnung", max_length=200, required=False, help_text="leer: der Dateiname"
    )

    def __init__(self, *args, documents: list[Document] = (), **kwargs) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.documents = {d.pk: d for d in documents if d.is_current}
        self.fields["previous"].choices = [("", "– neues Dokument –")] + [
            (d.pk, f"{d.title} (Version {d.version})") for d in self.documents.values()
        ]

    def clean_previous(self) -> Document | None:
        value = self.cleaned_data.get("previous")
        if value is None:
            return None
        return self.documents[value]
