// Home dashboard: gold, level/XP, streak widget with claim, recent actions, active events.
import { errorText, get, newKey, post } from "../api.js";
import { fmtGold, fmtTime, h, localName } from "../fmt.js";
import { reasonLabel, t, tOr } from "../i18n.js";
import * as realtime from "../realtime.js";
import { refreshBalance, setBalance, subscribe } from "../store.js";
import { repaintGold } from "../shell.js";
import { celebrate } from "../fx.js";

const pad = (n) => String(n).padStart(2, "0");

/** "hh:mm" until an ISO instant (rounded up to the minute, never negative). */
function untilText(iso) {
  const mins = Math.max(0, Math.ceil((new Date(iso).getTime() - Date.now()) / 60000));
  return `${pad(Math.floor(mins / 60))}:${pad(mins % 60)}`;
}

function actionText(a) {
  const d = a.data || {};
  if (a.kind === "game") return t("action.game", { game: t(`game.${d.game}`), stake: fmtGold(d.stake), payout: fmtGold(d.payout) });
  const vars = { amount: fmtGold(d.amount ?? d.gold ?? d.points ?? 0) };
  if (a.kind.endsWith("_reward")) return tOr(`action.${a.kind}`, t("action.reward", vars), vars);
  return tOr(`action.${a.kind}`, reasonLabel(a.kind), vars); // an unknown kind is humanised, never shown raw
}

export function mount(root) {
  repaintGold();
  const level = root.querySelector("#home-level");
  const xpText = root.querySelector("#home-xp");
  const bar = root.querySelector("#home-xp-bar");
  const claim = root.querySelector("#streak-claim");
  const msg = root.querySelector("#streak-msg");
  const ok = root.querySelector("#streak-ok");
  let countdown = 0;

  // After the day's claim the button stays disabled and counts down to the next local midnight, so a
  // second claim is impossible rather than an error; at zero the widget reloads for the new day.
  function paintClaim(s) {
    clearInterval(countdown);
    claim.dataset.claimed = String(s.claimed_today);
    if (!s.claimed_today) {
      claim.disabled = false;
      claim.textContent = t("streak.claim");
      return;
    }
    claim.disabled = true;
    const tick = () => {
      claim.textContent = t("streak.nextIn", { time: untilText(s.next_reset_at) });
      if (new Date(s.next_reset_at).getTime() <= Date.now()) {
        clearInterval(countdown);
        loadStreak();
      }
    };
    tick();
    countdown = setInterval(tick, 15000);
  }
  const unsub = subscribe((s) => {
    if (s.level === null) return;
    level.textContent = String(s.level);
    const into = (s.xp ?? 0) - (s.level - 1) * 500;
    const span = into + (s.xpToNext ?? 500);
    const pct = span > 0 ? Math.round((into / span) * 100) : 0;
    xpText.textContent = `${fmtGold(into)} / ${fmtGold(span)} XP`;
    bar.setAttribute("aria-valuenow", String(pct));
    bar.firstElementChild.style.setProperty("--pct", `${pct}%`);
  });

  async function loadStreak() {
    try {
      const s = await get("/streak/status");
      root.querySelector("#streak-count").textContent = String(s.current_streak);
      const days = root.querySelector("#streak-days");
      const shown = Math.max(7, s.current_streak);
      days.replaceChildren(...Array.from({ length: 7 }, (_, i) => {
        const n = shown - 6 + i;
        return h("span", { class: `streak-day${n <= s.current_streak ? " done" : ""}` }, String(n));
      }));
      root.querySelector("#streak-next").textContent = s.claimed_today ? t("streak.claimedToday")
        : t("streak.todayReward", { gold: fmtGold(s.today_reward.gold), xp: s.today_reward.xp });
      paintClaim(s);
    } catch (err) {
      msg.textContent = errorText(err);
    }
  }

  async function loadCalendar() {
    try {
      const month = await get("/streak/history");
      const claimed = new Set(month.days.filter((d) => d.claimed).map((d) => Number(d.day.slice(8, 10))));
      const cal = root.querySelector("#streak-calendar");
      cal.setAttribute("aria-label", month.month);
      cal.replaceChildren(...Array.from({ length: month.days_in_month }, (_, i) => h("li", {
        class: claimed.has(i + 1) ? "done" : "", "aria-label": `${i + 1}${claimed.has(i + 1) ? " ✓" : ""}` }, String(i + 1))));
    } catch { /* the widget still works without the calendar */ }
  }

  claim.addEventListener("click", async () => {
    msg.textContent = "";
    ok.textContent = "";
    claim.disabled = true;
    try {
      const out = await post("/streak/claim", {}, { key: newKey() });
      setBalance(out);
      ok.textContent = t("streak.claimed", { gold: fmtGold(out.gold), xp: out.xp });
      celebrate();
      await Promise.all([loadStreak(), loadCalendar()]);
    } catch (err) {
      msg.textContent = errorText(err);
      msg.dataset.code = err.code || "";
      refreshBalance().catch(() => {});
      await loadStreak();
    }
  });

  async function loadRecent() {
    const list = root.querySelector("#recent-list");
    try {
      const page = await get("/actions/recent", { limit: 8 });
      if (!page.items.length) {
        list.replaceChildren(h("li", { class: "muted" }, t("home.noRecent")));
        return;
      }
      list.replaceChildren(...page.items.map((a) => h("li", { dataset: { kind: a.kind } },
        h("span", {}, actionText(a)), h("span", { class: "muted" }, fmtTime(a.created_at)))));
    } catch (err) {
      list.replaceChildren(h("li", { class: "error-msg" }, errorText(err)));
    }
  }

  async function loadEvents() {
    const list = root.querySelector("#home-events");
    try {
      const page = await get("/events");
      const items = page.items.filter((e) => !e.claimed).slice(0, 4);
      if (!items.length) {
        list.replaceChildren(h("li", { class: "muted" }, t("events.none")));
      } else {
        list.replaceChildren(...items.map((e) => h("li", {}, h("a", { href: "/events" }, localName(e, "title")),
          h("span", { class: "muted" }, e.completed ? t("events.completed") : fmtTime(e.ends_at)))));
      }
      promo(page.items.find((e) => !e.claimed));
    } catch (err) {
      list.replaceChildren(h("li", { class: "muted" }, t("events.unavailable")));
    }
  }

  // The promo banner features the first open event (the welcome text stays when there is none).
  function promo(event) {
    if (!event) return;
    const title = root.querySelector("#promo-title");
    const text = root.querySelector("#promo-text");
    title.removeAttribute("data-i18n");
    text.removeAttribute("data-i18n");
    title.textContent = localName(event, "title");
    text.textContent = localName(event, "description")
      || (event.rewards?.gold ? t("events.rewardGold", { gold: fmtGold(event.rewards.gold) }) : "");
    root.querySelector("#promo").dataset.eventId = String(event.id);
  }

  loadStreak();
  loadCalendar();
  loadRecent();
  loadEvents();
  const offs = [realtime.on("game_update", loadRecent), realtime.on("reward_granted", loadRecent),
    realtime.on("streak_update", loadStreak), realtime.on("event_progress", loadEvents)];
  window.addEventListener("cc:lang", loadEvents);
  return () => { unsub(); clearInterval(countdown); offs.forEach((off) => off()); window.removeEventListener("cc:lang", loadEvents); };
}
