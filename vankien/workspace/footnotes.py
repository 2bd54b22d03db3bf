"""Real Word footnotes for python-docx, which has no footnote API.

A footnote is a `w:footnoteReference` run in the text and a `w:footnote` of the same id in
the part /word/footnotes.xml, which the main document part relates to. Word and LibreOffice
then number them, keep each at the foot of its page, and renumber them when a trainer moves
passages around in the handout — what a printed, editable handout needs (a hand-made
"notes" list would go stale at the first edit). The part also holds the two separator
footnotes (ids -1 and 0) Word expects, and the settings name them.
"""
from __future__ import annotations

from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TEXT_STYLE = "FootnoteText"
REF_STYLE = "FootnoteReference"


class Footnotes:
    """Collects footnotes while a document is written; `attach()` adds the part at the end."""

    def __init__(self, document, *, size_pt: float = 10.5):
        self.document = document
        self.root = etree.Element(qn("w:footnotes"), nsmap={"w": W})
        separators = ((-1, "separator", "w:separator"), (0, "continuationSeparator", "w:continuationSeparator"))
        for fid, kind, mark in separators:
            note = etree.SubElement(self.root, qn("w:footnote"), {qn("w:type"): kind, qn("w:id"): str(fid)})
            p = etree.SubElement(note, qn("w:p"))
            ppr = etree.SubElement(p, qn("w:pPr"))
            spacing = etree.SubElement(ppr, qn("w:spacing"))
            spacing.set(qn("w:after"), "0")
            spacing.set(qn("w:line"), "240")
            spacing.set(qn("w:lineRule"), "auto")
            etree.SubElement(etree.SubElement(p, qn("w:r")), qn(mark))
        self.count = 0
        self._styles(size_pt)

    def _styles(self, size_pt: float) -> None:
        styles = self.document.styles
        if TEXT_STYLE not in [s.style_id for s in styles]:
            text = styles.add_style("footnote text", WD_STYLE_TYPE.PARAGRAPH)
            text.element.set(qn("w:styleId"), TEXT_STYLE)
            text.base_style = styles["Normal"]
            text.font.size = Pt(size_pt)
            text.paragraph_format.space_after = Pt(2)
            text.paragraph_format.line_spacing = 1.0
            text.paragraph_format.first_line_indent = Pt(0)
            ref = styles.add_style("footnote reference", WD_STYLE_TYPE.CHARACTER)
            ref.element.set(qn("w:styleId"), REF_STYLE)
            ref.font.superscript = True

    def add(self, paragraph, text: str) -> int:
        """Put a footnote reference at the end of `paragraph` whose note reads `text`; returns its number."""
        self.count += 1
        fid = self.count
        run = paragraph.add_run()
        run._r.style = REF_STYLE            # by id: python-docx's lookup by name is slow
        ref = OxmlElement("w:footnoteReference")
        ref.set(qn("w:id"), str(fid))
        run._r.append(ref)
        note = etree.SubElement(self.root, qn("w:footnote"), {qn("w:id"): str(fid)})
        p = etree.SubElement(note, qn("w:p"))
        style = etree.SubElement(etree.SubElement(p, qn("w:pPr")), qn("w:pStyle"))
        style.set(qn("w:val"), TEXT_STYLE)
        mark_run = etree.SubElement(p, qn("w:r"))
        etree.SubElement(etree.SubElement(mark_run, qn("w:rPr")), qn("w:rStyle")).set(qn("w:val"), REF_STYLE)
        etree.SubElement(mark_run, qn("w:footnoteRef"))
        body = etree.SubElement(etree.SubElement(p, qn("w:r")), qn("w:t"))
        body.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        body.text = " " + text
        return fid

    def attach(self) -> None:
        """Add /word/footnotes.xml to the package and name the separators in the settings."""
        blob = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)
        part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, blob, self.document.part.package)
        self.document.part.relate_to(part, RT.FOOTNOTES)
        settings = self.document.settings.element
        if settings.find(qn("w:footnotePr")) is None:
            pr = OxmlElement("w:footnotePr")
            for fid in ("-1", "0"):
                ref = OxmlElement("w:footnote")
                ref.set(qn("w:id"), fid)
                pr.append(ref)
            compat = settings.find(qn("w:compat"))
            if compat is not None:
                compat.addprevious(pr)
            else:
                settings.append(pr)


def footnote_texts(document) -> dict[int, str]:
    """The footnotes of a .docx opened with python-docx, by id (for tests and checks)."""
    for rel in document.part.rels.values():
        if rel.reltype == RT.FOOTNOTES:
            root = etree.fromstring(rel.target_part.blob)
            return {int(n.get(qn("w:id"))): "".join(t.text or "" for t in n.iter(qn("w:t"))).strip()
                    for n in root.iter(qn("w:footnote")) if int(n.get(qn("w:id"))) > 0}
    return {}
