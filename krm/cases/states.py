"""The states of a case, in the order a case passes them (the first part of the workflow
table in workflow.py, kept apart so that the models can read it)."""

from __future__ import annotations

from django.db import models

from .kinds import is_in_scope


class Status(models.TextChoices):
    # An e-mail krm read from a mailbox: registered, the KRM-B completes kind, unit, topics.
    POSTEINGANG = "posteingang", "im Posteingang"
    EINGEGANGEN = "eingegangen", "eingegangen"
    BEI_GF = "bei_gf", "zur Abverfügung bei der GF"
    ABVERFUEGT = "abverfuegt", "abverfügt"
    BEI_BL = "bei_bl", "bei der Bereichsleitung"
    IN_BEARBEITUNG = "in_bearbeitung", "in Bearbeitung"
    IN_PRUEFUNG = "in_pruefung", "in Prüfung bei der KRM-B"
    ZUR_ZEICHNUNG = "zur_zeichnung", "zur Zeichnung"
    IN_ABSTIMMUNG = "in_abstimmung", "in Abstimmung mit AA und RD"
    ZUM_VERSAND = "zum_versand", "gezeichnet, zum Versand"
    BEANTWORTET = "beantwortet", "beantwortet"
    ABGESCHLOSSEN = "abgeschlossen", "abgeschlossen"
    WEITERGELEITET = "weitergeleitet", "weitergeleitet (kein KRM)"


# Statuses in which deadlines run and the case is in the worklists.
CLOSED_STATUSES = frozenset({Status.ABGESCHLOSSEN, Status.WEITERGELEITET})
OPEN_STATUSES = frozenset(set(Status) - CLOSED_STATUSES)


def initial_status(kind: str) -> str:
    return Status.EINGEGANGEN if is_in_scope(kind) else Status.WEITERGELEITET
