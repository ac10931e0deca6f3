"""Networks of actors: the links among a set of actors, as lists and as a drawing.

A network page (a commune's, a theme's) shows every link with at least one end in the set; the
drawing places the actors on a circle (grouped by kind, then by name: the same directory always
gives the same picture, byte for byte) and draws each link as a line coloured by its type, with
a legend. It is inline SVG, made at build time: it shows without JavaScript, and every link is
also written in the lists beside it (the drawing is ``aria-hidden``; the lists are the content).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

from communs.records.directory import Directory, Link
from communs.records.record import Record
from communs.site import urls

MAX_DRAWN = 80  # beyond this many actors, a drawing is unreadable: the lists only
WIDTH, HEIGHT = 860, 640  # room for names on both sides of the circle
LABEL = 26  # characters of a name written beside its point
# One colour per link type, distinguishable for the common colour blindnesses (Okabe-Ito), and
# a dash pattern so that the types differ without colour too.
STYLES = {
    "member-of": ("#0072B2", ""),
    "part-of": ("#009E73", "8 4"),
    "partner-of": ("#E69F00", "2 4"),
    "hosted-by": ("#CC79A7", "12 4 2 4"),
    "supported-by": ("#D55E00", "4 2"),
}


@dataclass(frozen=True)
class Network:
    actors: list[Record]  # every actor with a link in the network, sorted by name
    links: list[Link]
    groups: list[tuple[str, list[Link]]]  # (words of the type, its links), in the vocabulary's order

    @property
    def empty(self) -> bool:
        return not self.links


def network_of(directory: Directory, links: list[Link]) -> Network:
    """A network from its links (``scopes`` gives each commune's and theme's)."""
    ids = {link.source.id for link in links} | {link.target.id for link in links}
    actors = sorted((directory.actors[i] for i in ids), key=lambda r: (r.name.casefold(), r.id))
    groups = []
    for link_type, (words, _inverse) in directory.link_words.items():
        chosen = sorted((link for link in links if link.type == link_type), key=lambda l: (l.source.name.casefold(), l.target.name.casefold()))
        if chosen:
            groups.append((words, chosen))
    return Network(actors, links, groups)


def scopes(directory: Directory) -> dict[tuple[str, str], list[Link]]:
    """The links of each commune and each theme that has some, in one pass over the links: a link
    belongs to the communes of its two actors (where they are and where they act, ``area``) and
    to their themes."""
    found: dict[tuple[str, str], list[Link]] = {}
    for link in directory.links:
        keys = set()
        for actor in (link.source, link.target):
            keys.add(("commune", actor.folder))
            keys.update(("commune", code) for code in actor.data.get("area") or ())
            keys.update(("theme", theme) for theme in actor.data.get("themes") or ())
        for key in keys:
            found.setdefault(key, []).append(link)
    return found


def drawing(directory: Directory, network: Network, title: str, site_url: str = "") -> Markup | None:
    """The network as inline SVG, or None when it has no link or too many actors to draw."""
    if network.empty or len(network.actors) > MAX_DRAWN:
        return None
    kinds = list(directory.labels["kind"])
    placed = sorted(network.actors, key=lambda r: (kinds.index(r.data["kind"]) if r.data.get("kind") in kinds else len(kinds), r.name.casefold(), r.id))
    count = len(placed)
    centre_x, centre_y, radius = WIDTH / 2, HEIGHT / 2, HEIGHT / 2 - 60
    where = {}
    for index, record in enumerate(placed):
        angle = 2 * math.pi * index / count - math.pi / 2
        where[record.id] = (round(centre_x + radius * math.cos(angle), 1), round(centre_y + radius * math.sin(angle), 1), angle)
    parts = [f'<svg class="network-drawing" viewBox="0 0 {WIDTH} {HEIGHT}" role="group" aria-labelledby="dessin-reseau-titre" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="dessin-reseau-titre">{escape(title)}</title>']
    for link in network.links:
        (x1, y1, _a1), (x2, y2, _a2) = where[link.source.id], where[link.target.id]
        colour, dash = STYLES.get(link.type, ("#555", ""))
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" stroke-width="2"{dashes}/>')
    for record in placed:
        x, y, angle = where[record.id]
        right = math.cos(angle) >= 0
        label_x = round(x + (8 if right else -8), 1)
        anchor = "start" if right else "end"
        name = record.name if len(record.name) <= LABEL else record.name[: LABEL - 1] + "…"
        parts.append(f'<a href="{escape(site_url + urls.actor(record.id))}"><circle cx="{x}" cy="{y}" r="5" class="network-node"/>'
                     f'<text x="{label_x}" y="{round(y + 4, 1)}" text-anchor="{anchor}" font-size="12">{escape(name)}</text></a>')
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(directory: Directory, network: Network) -> list[tuple[str, str, str]]:
    """(words, colour, dash pattern) of the link types the network holds."""
    present = {link.type for link in network.links}
    return [(words, *STYLES.get(link_type, ("#555", ""))) for link_type, (words, _inverse) in directory.link_words.items() if link_type in present]
