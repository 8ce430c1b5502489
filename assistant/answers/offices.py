"""Answers about offices: who is responsible, opening hours, how to get there."""
from __future__ import annotations

from urllib.parse import quote

from assistant.answers.alerts import next_closure, office_alerts
from assistant.answers.context import Context
from assistant.answers.reply import Button, LinkButton, Reply, first_sentence, fit, payload
from assistant.kb import hours as hours_mod
from assistant.kb.schema import Office, TransportOption


def map_link(office: Office) -> str:
    """OpenStreetMap link (no tracking, no third-party script; just a link)."""
    if office.geo:
        return f"https://www.openstreetmap.org/?mlat={office.geo.lat}&mlon={office.geo.lon}#map=17/{office.geo.lat}/{office.geo.lon}"
    q = quote(f"{office.address.street}, {office.address.postcode} {office.address.city}")
    return f"https://www.openstreetmap.org/search?query={q}"


def _address(office: Office) -> str:
    district = f" OT {office.address.district}" if office.address.district else ""
    return f"{office.address.street}, {office.address.postcode} {office.address.city}{district}"


def _visiting(ctx: Context, office: Office) -> bool:
    """A mobile or visiting service (or one of its stops): dates instead of weekly hours."""
    return (office.id in ctx.kb.stops_of or office.id in ctx.kb.stop_parent or "buergermobil" in office.types
            or (bool(office.hours.monthly or office.hours.special) and not office.hours.weekly))


def _stops_line(ctx: Context, office: Office) -> str:
    """'Haltestellen: Feuerwehrhaus Lindenau (Auental), ...' for a service asked about without a place."""
    names = [f"{s.name} ({ctx.kb.municipalities[s.municipality].name})" for s in office.stops
             if s.municipality in ctx.kb.municipalities]
    return "Haltestellen: " + "; ".join(names) + ". Sagen Sie mir Ihren Ort, dann nenne ich Ihre Haltestelle."


def accessibility_text(office: Office) -> str:
    """Step-free or not, and the office's own remedy (call ahead, ground floor ...) when it is not."""
    acc = office.accessibility
    if acc.step_free:
        text = "Stufenloser Zugang: ja."
    else:
        text = "Achtung: Der Zugang ist nicht stufenlos."
        if acc.note:
            text += f" {acc.note.strip()}"
    if acc.disabled_parking:
        text += " Behindertenparkplatz vorhanden."
    return text


def _no_office(ctx: Context) -> Reply:
    return Reply("utter_no_information",
                 "Dazu habe ich keine verlässliche Information, welches Amt zuständig ist. "
                 f"Die Behördennummer 115 hilft weiter. {ctx.kb.county.hotline_115}",
                 [Button("Mit einem Menschen sprechen", payload("request_human"))])


def office(ctx: Context) -> Reply:
    off = ctx.office()
    if off is None:
        return _no_office(ctx)
    status = hours_mod.describe_status(off.hours, ctx.now, ctx.tz, ctx.state)
    what = f"{ctx.eff().service.short_name} – zuständig ist: " if ctx.service else ""
    lines = office_alerts(ctx, off) + [f"{what}{off.name}, {_address(off)}.", f"Telefon: {off.phone}"]
    if off.email:
        lines.append(f"E-Mail: {off.email}")
    lines.append(status)
    if _visiting(ctx, off):
        dates = hours_mod.upcoming_dates(off.hours, ctx.now, ctx.tz, ctx.state, limit=2)
        if dates:
            lines.append("Nächste Termine hier: " + "; ".join(_interval_text(i) for i in dates) + ".")
        if off.id in ctx.kb.stops_of:
            lines.append(_stops_line(ctx, off))
    buttons = [
        LinkButton("Karte öffnen", map_link(off)),
        Button("Wie komme ich hin?", payload("ask_directions", service=ctx.service)),
        Button("Öffnungszeiten", payload("ask_opening_hours", service=ctx.service)),
        Button("Termin buchen", payload("book_appointment", service=ctx.service)),
    ]
    return Reply("utter_office", "\n".join(lines), buttons)


def _interval_text(interval: hours_mod.Interval) -> str:
    from assistant import formatting

    text = f"{formatting.date_medium(interval.start.date())}, {formatting.time_range(interval.start, interval.end)}"
    return f"{text} ({interval.place})" if interval.place else text


def opening_hours(ctx: Context) -> Reply:
    off = ctx.office()
    if off is None:
        return _no_office(ctx)
    status = hours_mod.describe_status(off.hours, ctx.now, ctx.tz, ctx.state)
    alerts = office_alerts(ctx, off)
    lines = alerts + [f"{off.name}: {status}"]
    if _visiting(ctx, off):
        if off.id in ctx.kb.stop_parent:
            lines[len(alerts)] = f"{off.name}, {_address(off)}: {status}"
        dates = hours_mod.upcoming_dates(off.hours, ctx.now, ctx.tz, ctx.state, limit=3)
        if dates:
            lines.append("Die nächsten Termine:")
            lines.extend(f"• {_interval_text(i)}" for i in dates)
        weekly = hours_mod.weekly_lines(off.hours)
        if weekly and off.id in ctx.kb.stop_parent:
            lines.append("Regelmäßig: " + "; ".join(weekly) + ".")
    else:
        weekly = hours_mod.weekly_lines(off.hours)
        if weekly:
            lines.append("Öffnungszeiten:")
            lines.extend(f"• {w}" for w in weekly)
    if off.hours.note:
        lines.append(first_sentence(off.hours.note, 18))
    closures = [c for c in off.hours.closures if (c.until or c.date) >= ctx.now.date()]
    if closures and min(closures, key=lambda c: c.date) is not next_closure(off, ctx.now.date()):
        c = min(closures, key=lambda c: c.date)
        from assistant import formatting

        if c.until and c.until != c.date:
            lines.append(f"Geschlossen vom {formatting.date_medium(c.date)} bis {formatting.date_medium(c.until)}: {c.reason}.")
        else:
            lines.append(f"Geschlossen am {formatting.date_medium(c.date)}: {c.reason}.")
    buttons = [Button("Termin buchen", payload("book_appointment", service=ctx.service)),
               Button("Wie komme ich hin?", payload("ask_directions", service=ctx.service))]
    return Reply("utter_opening_hours", "\n".join(fit(lines)), buttons)


def _transport_line(t: TransportOption) -> str:
    kind = {"bus": "Bus", "buergerbus": "Bürgerbus", "rufbus": "Rufbus", "bahn": "Bahn", "fuss": "Zu Fuß",
            "taxi": "Taxi"}[t.kind]
    line = t.line or ""
    name = line if line.lower().startswith(kind.lower()) else f"{kind} {line}".strip()
    parts = [name]
    if t.from_place and len(t.from_place) <= 30:
        parts.append(f"ab {t.from_place}")
    if t.departures:
        parts.append(f"({first_sentence(t.departures, 12).rstrip('.')})")
    text = " ".join(parts)
    if t.stop and t.kind != "fuss":
        text += f", bis {t.stop}" + (f", dann {t.walk_minutes} Min. zu Fuß" if t.walk_minutes else "")
    if t.kind == "rufbus":
        if t.phone:
            text += f". Bestellen: {t.phone}"
        if t.booking_lead:
            text += f", {first_sentence(t.booking_lead, 10)}"
    return text


def directions(ctx: Context) -> Reply:
    off = ctx.office()
    if off is None:
        return _no_office(ctx)
    origin = ctx.municipality_name
    options = list(off.transport)
    if origin:
        from assistant.kb.loader import normalize

        mun = ctx.kb.municipalities[ctx.municipality]  # type: ignore[index]
        names = {normalize(n) for n in [mun.name, *mun.ortsteile, *mun.aliases]}
        local = [t for t in options if t.from_place and any(n in normalize(t.from_place) for n in names)]
        general = [t for t in options if not t.from_place or (t.kind == "rufbus" and t not in local)]
        options = local + general if local else options
    # Rufbus and Bürgerbus matter most for people without a car: keep them in view
    options.sort(key=lambda t: {"buergerbus": 0, "bus": 1, "bahn": 1, "rufbus": 2, "fuss": 3, "taxi": 4}[t.kind])
    lines = office_alerts(ctx, off) + [f"Weg zu: {off.name}, {_address(off)}"]
    if off.id in ctx.kb.stops_of and off.hours.note:
        # a mobile office asked for itself (not a stop): its address is the base, say where it comes to
        lines.insert(len(lines) - 1, " ".join(off.hours.note.split()))
    acc = off.accessibility
    access = accessibility_text(off)
    options = [t for t in options if t.kind != "fuss"] or options
    transport = [f"• {_transport_line(t)}" for t in options[:3]]
    if not transport:
        transport = ["Zu Bus und Bahn habe ich für dieses Amt keine verlässliche Information."]
    # the access line (with the office's remedy when not step-free) always stays: it decides whether to go
    budget = max(30, 80 - len(access.split()))
    lines = fit(lines + transport, min(62, budget)) + [access]
    parking = f"Parken: {first_sentence(acc.parking, 12)}" if acc.parking else ""
    if parking and sum(len(x.split()) for x in lines) + len(parking.split()) <= 80:
        lines.append(parking)
    buttons = [LinkButton("Karte öffnen", map_link(off)),
               Button("Öffnungszeiten", payload("ask_opening_hours", service=ctx.service))]
    return Reply("utter_directions", "\n".join(lines), buttons)
