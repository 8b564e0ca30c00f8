"""A small accessibility checker of our own (axe-core is third-party and is not copied in).

It runs in the page and reports serious problems: unlabelled form controls and buttons, links without
a name, images without alt, missing landmarks, duplicate ids, positive tabindex, and text whose
contrast against its effective background is below WCAG AA (4.5:1, 3:1 for large text).
"""

from __future__ import annotations

import re

CHECK = r"""
() => {
  const problems = [];
  const visible = (el) => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== "hidden" && cs.display !== "none"; };
  const name = (el) => {
    const aria = el.getAttribute("aria-label"); if (aria && aria.trim()) return aria.trim();
    const by = el.getAttribute("aria-labelledby");
    if (by) { const txt = by.split(/\s+/).map((id) => document.getElementById(id)?.textContent || "").join(" ").trim(); if (txt) return txt; }
    if (el.id) { const l = document.querySelector(`label[for="${CSS.escape(el.id)}"]`); if (l && l.textContent.trim()) return l.textContent.trim(); }
    const wrap = el.closest("label"); if (wrap && wrap.textContent.trim()) return wrap.textContent.trim();
    const text = (el.innerText || el.textContent || "").trim(); if (text && !["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName)) return text;
    const img = el.querySelector && el.querySelector("img[alt]"); if (img && img.alt.trim()) return img.alt.trim();
    return el.getAttribute("title") || "";
  };
  const desc = (el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.dataset.testid ? "[" + el.dataset.testid + "]" : ""}`;
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (visible(el) && !name(el)) problems.push(`unlabelled control ${desc(el)}`);
  }
  for (const el of document.querySelectorAll("button, [role=button], a[href]")) {
    if (visible(el) && !name(el)) problems.push(`control without a name ${desc(el)}`);
  }
  for (const img of document.querySelectorAll("img")) if (!img.hasAttribute("alt")) problems.push(`img without alt ${img.src}`);
  if (document.querySelectorAll("main").length !== 1) problems.push("exactly one <main> expected");
  if (!document.querySelector("header, [role=banner]")) problems.push("no banner landmark");
  if (!document.documentElement.lang) problems.push("<html> has no lang");
  if (!document.title.trim()) problems.push("empty <title>");
  const ids = {}; for (const el of document.querySelectorAll("[id]")) ids[el.id] = (ids[el.id] || 0) + 1;
  for (const [id, n] of Object.entries(ids)) if (n > 1) problems.push(`duplicate id ${id}`);
  for (const el of document.querySelectorAll("[tabindex]")) if (Number(el.getAttribute("tabindex")) > 0) problems.push(`positive tabindex ${desc(el)}`);

  const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c && c.a >= 0.9) return c;
    }
    return parse(getComputedStyle(document.body).backgroundColor) || { r: 0, g: 0, b: 0, a: 1 };
  };
  const checked = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || checked.has(el) || !walker.currentNode.textContent.trim() || !visible(el)) continue;
    if (el.closest("[aria-hidden=true], .sr-only, svg, canvas, option")) continue;
    checked.add(el);
    const cs = getComputedStyle(el);
    if (Number(cs.opacity) < 1 || el.closest("button:disabled")) continue;  // disabled controls are exempt in WCAG
    const fg = parse(cs.color); const bg = background(el);
    if (!fg) continue;
    const L1 = lum(fg), L2 = lum(bg);
    const ratio = (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05);
    const size = parseFloat(cs.fontSize); const bold = Number(cs.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) problems.push(`contrast ${ratio.toFixed(2)} < ${need} on ${desc(el)} "${walker.currentNode.textContent.trim().slice(0, 30)}"`);
  }
  return problems;
}
"""


def audit(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Serious accessibility problems on the current page (empty when clean)."""
    return page.evaluate(CHECK)


INLINE = re.compile(r"""<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|javascript:""", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    """Inline scripts, inline event handlers and style attributes in served HTML (the CSP forbids them)."""
    return INLINE.findall(html)
