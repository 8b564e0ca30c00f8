// The header and navigation: gold (coin + grouped digits, animated count up/down), level ring,
// notification bell, shop badge (1-9, then 9+), active nav item, the admin link and the live indicator.
import { fmtGold, reducedMotion } from "./fmt.js";
import { t } from "./i18n.js";
import { onStatus, reconnectNow } from "./realtime.js";
import { subscribe } from "./store.js";

let shownGold = null;
let frame = 0;

function goldTargets() {
  return [...document.querySelectorAll("#header-gold, [data-gold-live]")];
}

function paintGold(value) {
  for (const el of goldTargets()) el.textContent = fmtGold(value);
}

function animateGold(target) {
  for (const el of goldTargets()) el.dataset.value = String(target);
  cancelAnimationFrame(frame);
  const from = shownGold;
  shownGold = target;
  if (from === null || from === target || reducedMotion()) {
    paintGold(target);
    return;
  }
  const chip = document.getElementById("header-gold-chip");
  if (chip) {
    chip.classList.remove("bump");
    void chip.offsetWidth; // restart the animation
    chip.classList.add("bump");
  }
  const start = performance.now();
  const duration = 700;
  const step = (now) => {
    const p = Math.min(1, (now - start) / duration);
    const eased = 1 - (1 - p) ** 3;
    paintGold(Math.round(from + (target - from) * eased));
    if (p < 1) frame = requestAnimationFrame(step);
  };
  frame = requestAnimationFrame(step);
}

/** Repaint gold on freshly swapped-in page elements without animating. */
export function repaintGold() {
  if (shownGold !== null) {
    paintGold(shownGold);
    for (const el of goldTargets()) el.dataset.value = String(shownGold);
  }
}

function badgeText(n) {
  return n > 9 ? "9+" : String(n);
}

function setBadge(el, n) {
  if (!el) return;
  el.hidden = !(n > 0);
  el.textContent = badgeText(n);
  el.dataset.count = String(n);
}

function paintLevel(state) {
  const label = document.getElementById("level-ring-label");
  const fill = document.getElementById("level-ring-fill");
  if (!label || state.level === null) return;
  label.textContent = String(state.level);
  const into = (state.xp ?? 0) - (state.level - 1) * 500;
  const span = into + (state.xpToNext ?? 500);
  const pct = span > 0 ? Math.max(0, Math.min(1, into / span)) : 0;
  if (fill) fill.style.setProperty("--ring-offset", String(100 - pct * 100));
  const ring = document.getElementById("level-ring");
  if (ring) ring.dataset.level = String(state.level);
}

export function markActiveNav() {
  const path = location.pathname;
  const section = path === "/" ? "home"
    : path.startsWith("/games") || path.startsWith("/fairness") ? "games"
      : path.startsWith("/shop") || path.startsWith("/inventory") ? "shop"
        : path.startsWith("/events") ? "events"
          : path.startsWith("/admin") ? "admin"
            : path.startsWith("/profile") ? "profile"
              : path.startsWith("/notifications") ? "notifications" : "";
  // Notifications live behind the header bell, not a nav tab: the bell carries aria-current there.
  for (const a of document.querySelectorAll(".mainnav a[data-nav], #bell")) {
    const nav = a.dataset.nav || "notifications";
    if (nav === section) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

let liveTick = 0;
let liveTrouble = false; // announce only once something went wrong: "live" on every page load is noise

function liveLabel(st) {
  if (st.state === "retrying") {
    return t("live.retrying", { s: Math.max(0, Math.ceil((st.retryAt - Date.now()) / 1000)) });
  }
  if (st.state === "off") return t("live.off", { reason: t(`live.reason.${st.reason}`) });
  return t(`live.${st.state === "live" ? "on" : st.state}`);
}

// The visible label counts down every second; screen readers hear only the change of state
// (a per-second announcement would drown everything else).
function paintLive(st) {
  const button = document.getElementById("live-status");
  if (!button) return;
  clearInterval(liveTick);
  const paint = () => {
    const text = liveLabel(st);
    document.getElementById("live-status-text").textContent = text;
    const actionable = st.state === "retrying" || st.state === "paused" || st.state === "off";
    button.setAttribute("aria-label", actionable ? `${text}. ${t("live.tapToRetry")}` : text);
    button.title = button.getAttribute("aria-label");
  };
  button.dataset.state = st.state;
  paint();
  if (st.state === "retrying") liveTick = setInterval(paint, 1000);
  if (st.state !== "live" && st.state !== "connecting") liveTrouble = true;
  const sr = document.getElementById("live-status-sr");
  const spoken = st.state === "retrying" ? t("live.retryingShort") : liveLabel(st);
  if (sr && liveTrouble && st.state !== "connecting" && sr.textContent !== spoken) sr.textContent = spoken;
}

export function initShell() {
  const live = document.getElementById("live-status");
  if (live) {
    live.addEventListener("click", () => {
      if (live.dataset.state !== "live" && live.dataset.state !== "connecting") reconnectNow();
    });
    onStatus(paintLive);
  }
  subscribe((state) => {
    if (state.gold !== null && state.gold !== shownGold) animateGold(state.gold);
    paintLevel(state);
    setBadge(document.getElementById("shop-badge"), state.pending);
    setBadge(document.getElementById("bell-count"), state.unread);
    const admin = document.getElementById("nav-admin");
    if (admin) admin.hidden = state.profile?.role !== "admin";
  });
  markActiveNav();
}
