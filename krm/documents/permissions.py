"""Who may open the documents of a case (R-A3, A4): `cases.permissions.documents_visibility`.

A case the user may not read at all is a 404 (as everywhere); a readable case whose documents
they may not open is a 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from krm.accounts.access import access_for
from krm.accounts.models import User
from krm.cases import permissions as case_permissions
from krm.cases.models import Case

from .models import Document


def may_open(user: User, case: Case) -> bool:
    return case_permissions.documents_visibility(access_for(user)).sees_contents(case)


def may_add(user: User, case: Case) -> bool:
    """Documents are added to open cases by whoever may open them; to closed ones only by
    the acting KRM-B (a late scan, a correction)."""
    if not may_open(user, case):
        return False
    return case.is_open or access_for(user).acts_as_krmb


def get_document(user: User, document_id: int) -> Document:
    """The document with its case, if the user may open it (404 / 403 as above)."""
    document = Document.objects.select_related("case").filter(pk=document_id).first()
    if document is None:
        raise Http404("Dokument nicht gefunden")
    visibility = case_permissions.visibility_of(user)
    if not visibility.sees_contents(document.case):
        raise Http404("Dokument nicht gefunden")
    if not may_open(user, document.case):
        raise PermissionDenied("Sie dürfen die Dokumente dieses Falls nicht öffnen.")
    return document
