"""The roles of the KRM concept (R-O-2). A user may hold several; their rights add up."""

from django.db import models


class Role(models.TextChoices):
    KRMB = "krmb", "KRM-Beauftragte/r"
    VERTRETUNG = "vertretung", "Vertretung (Fachexperte BGF)"
    VORZIMMER = "vorzimmer", "Vorzimmer GF"
    GF = "gf", "Geschäftsführung (GF)"
    LGF = "lgf", "Leitung Geschäftsführungsebene (LGF)"
    BL = "bl", "Bereichsleitung (BL)"
    TL = "tl", "Teamleitung (TL)"
    MITARBEITER = "mitarbeiter", "Mitarbeiter/in"
    DSB = "dsb", "Datenschutzbeauftragte/r"
    CONTROLLING = "controlling", "Controlling"
    ADMIN = "admin", "Technische Administration"


# Roles whose assignment names the org unit they lead.
UNIT_ROLES = frozenset({Role.BL, Role.TL})
