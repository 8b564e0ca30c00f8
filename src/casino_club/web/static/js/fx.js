// Small effects: a burst of sparks for claims/level-ups/wins and a gold count-up; both do nothing
// visible under prefers-reduced-motion (the final value is painted at once).
import { fmtGold, h, reducedMotion } from "./fmt.js";

/** A short spark burst over the page (removed after ~1 s). */
export function celebrate(count = 28) {
  if (reducedMotion()) return;
  const host = h("div", { class: "celebrate", "aria-hidden": "true", testid: "celebrate" });
  for (let i = 0; i < count; i++) {
    const spark = h("i");
    const angle = (Math.PI * 2 * i) / count + Math.random() * 0.4;
    const dist = 120 + Math.random() * 180;
    spark.style.setProperty("--dx", `${Math.round(Math.cos(angle) * dist)}px`);
    spark.style.setProperty("--dy", `${Math.round(Math.sin(angle) * dist)}px`);
    host.append(spark);
  }
  document.body.append(host);
  setTimeout(() => host.remove(), 1100);
}

/** Count an element's gold text up from 0 to `to` (eased, ~0.8 s); `data-value` holds the target. */
export function countUp(el, to, prefix = "") {
  el.dataset.value = String(to);
  if (reducedMotion() || to <= 0) {
    el.textContent = `${prefix}${fmtGold(to)}`;
    return;
  }
  const start = performance.now();
  const step = (now) => {
    const p = Math.min(1, (now - start) / 800);
    el.textContent = `${prefix}${fmtGold(Math.round(to * (1 - (1 - p) ** 3)))}`;
    if (p < 1 && el.isConnected) requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}
