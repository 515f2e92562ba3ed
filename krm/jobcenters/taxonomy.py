"""The default topic list (domain notes § 1), seeded into every new Jobcenter."""

DEFAULT_TOPICS: list[tuple[str, str]] = [
    ("T01", "Erreichbarkeit (Telefon, E-Mail, vor Ort)"),
    ("T02", "Bearbeitungsdauer / Untätigkeit"),
    ("T03", "Leistungsberechnung / fehlerhafter Bescheid"),
    ("T04", "Verständlichkeit von Bescheiden, Auskunft und Beratung"),
    ("T05", "Auszahlung / Zahlungsverzug / Vorschuss"),
    ("T06", "Kosten der Unterkunft und Heizung, Umzug"),
    ("T07", "Einkommensanrechnung (Aufstocker, Selbständige)"),
    ("T08", "Unterlagen / Posteingang / verlorene Unterlagen"),
    ("T09", "Verhalten von Mitarbeitenden"),
    ("T10", "Eingliederung, Förderung, Maßnahmen"),
    ("T11", "Termine / Einladungen / Meldeversäumnisse"),
    ("T12", "Leistungsminderungen / Sanktionen"),
    ("T13", "Widerspruchs- und Klageverfahren (Dauer)"),
    ("T14", "Datenschutz"),
    ("T15", "Digitale Angebote / Online-Zugang"),
    ("T16", "Sprache, Dolmetschen, Barrierefreiheit, Respekt"),
    ("T99", "Sonstiges"),
]
