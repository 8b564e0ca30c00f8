// Boot: language, token (refresh cookie -> access token in memory), store hydration, realtime,
// toasts for pushed events, then the page module. Links inside the app swap <main> without a full
// reload so the token, the store and the WebSocket survive navigation.
import { ApiError, api, getLastError, refreshToken } from "./api.js";
import { fmtGold, localName } from "./fmt.js";
import { applyI18n, loadI18n, t, toggleLang } from "./i18n.js";
import { initNet, onFailure, waitForRetry } from "./net.js";
import * as realtime from "./realtime.js";
import { initShell, markActiveNav, repaintGold } from "./shell.js";
import * as store from "./store.js";
import { toast } from "./toast.js";
import { celebrate } from "./fx.js";

let cleanup = null;
let balanceTimer = null;

function scheduleBalanceRefresh(delay = 300) {
  clearTimeout(balanceTimer);
  balanceTimer = setTimeout(() => {
    store.refreshBalance().catch(() => { /* next failure schedules again */ });
  }, delay);
}

function wireEvents() {
  realtime.on("profile_update", (data) => store.setProfile(data));
  realtime.on("snapshot", (data) => {
    if (data.profile) store.setProfile(data.profile);
    if (typeof data.balance === "number") store.setBalance({ balance: data.balance });
    if (data.stats) store.setStats(data.stats);
  });
  realtime.on("game_update", (data) => {
    if (typeof data.balance === "number") store.setBalance({ balance: data.balance });
    store.refreshStats();
  });
  realtime.on("purchase_update", (data, env) => {
    store.refreshPending();
    if (data.status === "success") {
      toast({ id: env.id, icon: "🛍️", kind: "gold", text: t("toast.purchase", { receipt: data.receipt_code }) });
    } else if (data.status !== "pending") {
      toast({ id: env.id, icon: "⚠️", kind: "error", text: t("toast.purchaseFailed", { status: t(`status.${data.status}`) }) });
    }
  });
  realtime.on("reward_granted", (data, env) => {
    toast({ id: env.id, icon: "🎁", kind: "gold", text: t("toast.reward", { gold: fmtGold(data.gold) }) });
  });
  realtime.on("level_up", (data, env) => {
    if (toast({ id: env.id, icon: "⭐", text: t("toast.levelUp", { level: data.level }) })) celebrate(40);
  });
  realtime.on("notification", (data, env) => {
    toast({ id: env.id, icon: "🔔", text: localName(data, "title") || localName(data, "body") || t("nav.notifications") });
    store.refreshUnread();
  });
}

// <main> arrives inert (in the HTML) and stays so until its page module has wired its controls, so a
// click can never land on a button that does nothing yet.
async function mountPage() {
  const main = document.getElementById("app");
  const page = main?.dataset.page;
  if (!page || page === "notfound") {
    main?.removeAttribute("inert");
    return;
  }
  try {
    const mod = await import(`./pages/${page}.js`);
    const result = await mod.mount(main, { t });
    cleanup = typeof result === "function" ? result : null;
  } catch (err) {
    console.error(err);
    const box = document.createElement("p");
    box.className = "error-msg";
    box.setAttribute("role", "alert");
    box.textContent = err && err.message ? err.message : t("error.generic");
    main.prepend(box);
  }
  main.removeAttribute("inert");
  main.dataset.ready = "true";
}

function sameApp(url) {
  return url.origin === location.origin && !url.pathname.startsWith("/api") && !url.pathname.startsWith("/static");
}

async function navigate(href, push = true) {
  const url = new URL(href, location.href);
  let doc;
  try {
    const response = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    doc = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch {
    location.href = url.href;
    return;
  }
  const next = doc.getElementById("app");
  if (!next || doc.body.classList.contains("guest") !== document.body.classList.contains("guest")) {
    location.href = url.href;
    return;
  }
  if (cleanup) {
    try { cleanup(); } catch (err) { console.error(err); }
    cleanup = null;
  }
  const main = document.getElementById("app");
  main.replaceWith(document.importNode(next, true));
  const title = doc.querySelector("title");
  if (title) {
    const own = document.querySelector("title");
    own.dataset.i18nTitle = title.dataset.i18nTitle || "";
  }
  if (push) history.pushState({}, "", url.pathname + url.search + url.hash);
  applyI18n();
  markActiveNav();
  repaintGold();
  window.scrollTo(0, 0);
  await mountPage();
  document.getElementById("app").focus({ preventScroll: true });
}

function installNavigation() {
  document.addEventListener("click", (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = ev.target.closest("a[href]");
    if (!a || a.target || a.hasAttribute("download") || a.dataset.hard !== undefined) return;
    const url = new URL(a.href, location.href);
    if (!sameApp(url)) return;
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
    ev.preventDefault();
    navigate(url.href);
  });
  window.addEventListener("popstate", () => navigate(location.href, false));
}

async function boot() {
  await loadI18n();
  applyI18n();
  initNet();
  document.getElementById("lang-switch")?.addEventListener("click", () => toggleLang());
  window.__cc = { getLastError, store: store.getState, realtime };
  if (!document.body.classList.contains("guest")) {
    for (;;) {
      try {
        await refreshToken();
        break;
      } catch (err) {
        if (err instanceof ApiError) { // no valid session: log in
          location.replace(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
          return;
        }
        await waitForRetry(); // the network is down: banner + Retry, not a bounce to the login page
      }
    }
    initShell();
    window.addEventListener("cc:unauthorized", () => {
      location.replace(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    });
    onFailure((info) => {
      if (info.kind === "network") return; // re-read once the player retries
      if (info.path && info.path.includes("/users/balance")) return;
      scheduleBalanceRefresh(info.kind === "retry" ? 1500 : 300);
    });
    wireEvents();
    await store.hydrate().catch((err) => console.error(err));
    // Any authenticated visit ticks the streak day (the server counts it once per local day).
    api("/streak/tick", { method: "POST" }).catch(() => {});
    realtime.connect(() => store.hydrate().catch(() => {}));
    installNavigation();
  }
  await mountPage();
  document.body.dataset.booted = "true";
}

boot();
