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

# Roles that give no case contents at all (R-O-2: the technical administration, Controlling).
NO_CASE_ACCESS_ROLES = frozenset({Role.ADMIN, Role.CONTROLLING})
# Every other role reads cases (at least those one captured oneself); an administrator or
# Controlling account never holds one of them.
CASE_ROLES = frozenset(set(Role) - NO_CASE_ACCESS_ROLES)
