// Toasts: one per id (realtime event id or a caller-chosen key), however often it is delivered.
import { h } from "./fmt.js";

const shown = new Set();
const order = [];
const MAX_REMEMBERED = 500;

/** toast({id, text, icon, kind, ms}) -> true when shown, false for a duplicate id. */
export function toast({ id, text, icon = "✨", kind = "", ms = 4500 }) {
  const key = id || `${kind}:${text}:${Date.now()}`;
  if (shown.has(key)) return false;
  shown.add(key);
  order.push(key);
  if (order.length > MAX_REMEMBERED) shown.delete(order.shift());
  const host = document.getElementById("toasts");
  if (!host) return true;
  const el = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status", testid: "toast",
    dataset: { toastId: key } },
  h("span", { class: "toast-icon", "aria-hidden": "true", text: icon }), h("span", { class: "toast-text", text }));
  host.append(el);
  setTimeout(() => {
    el.classList.add("leaving");
    setTimeout(() => el.remove(), 260);
  }, ms);
  return true;
}
