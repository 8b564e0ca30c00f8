// Formatting and tiny DOM helpers (no innerHTML with data: everything goes through textContent).
import { getLang, t } from "./i18n.js";

const grouped = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** Gold with grouped digits: 1000 -> "1,000". */
export function fmtGold(n) {
  return n === null || n === undefined || Number.isNaN(Number(n)) ? "–" : grouped.format(Number(n));
}

export function fmtMult(x) {
  return `${Number(x).toFixed(2)}×`;
}

export function fmtPct(x, digits = 2) {
  return `${(Number(x) * 100).toFixed(digits)}%`;
}

export function fmtTime(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(getLang() === "ko" ? "ko-KR" : "en-US", { dateStyle: "short", timeStyle: "short" });
}

/** Money prices are integer cents (USD in the sandbox gateway). */
export function fmtMoney(cents) {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(Number(cents) / 100);
}

/** Localised name of an object carrying name_ko / name_en (or title_ko / title_en). */
export function localName(obj, base = "name") {
  if (!obj) return "";
  const ko = obj[`${base}_ko`], en = obj[`${base}_en`];
  if (getLang() === "en") return en || ko || obj[base] || "";
  return ko || en || obj[base] || "";
}

/**
 * h("div", {class: "x", dataset: {a: 1}, text: "hi", testid: "y", on: {click: fn}}, ...children)
 * Attributes are set as attributes; never a style attribute (the CSP forbids them).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "testid") el.dataset.testid = v;
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === "i18n") { el.dataset.i18n = v; el.textContent = t(v); }
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Gold is always shown the same way: the coin icon + grouped digits. */
export function goldNode(n, cls = "") {
  return h("span", { class: `gold-inline num ${cls}`.trim() },
    h("img", { class: "coin", src: "/static/img/coin.svg", alt: "", width: 16, height: 16 }), fmtGold(n));
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;
