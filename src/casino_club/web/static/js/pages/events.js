// Events & missions: join, progress computed by the server, claim once; reward history.
import { errorText, get, newKey, post } from "../api.js";
import { fmtGold, fmtTime, h, localName } from "../fmt.js";
import { reasonLabel, t } from "../i18n.js";
import * as realtime from "../realtime.js";
import { setBalance } from "../store.js";

/** The reward line: gold, plus XP only when there is some ("+ 0 XP" says nothing). */
function rewardText(rewards) {
  return rewards.xp > 0 ? t("events.reward", { gold: fmtGold(rewards.gold), xp: rewards.xp })
    : t("events.rewardGold", { gold: fmtGold(rewards.gold) });
}

/** Progress shown against its goal never passes it ("1 / 1", not "7 / 1"). */
const capped = (value, target) => Math.min(value ?? 0, target);

function bar(value, target) {
  const pct = target > 0 ? Math.min(100, Math.round((value / target) * 100)) : 0;
  const span = h("span");
  span.style.setProperty("--pct", `${pct}%`);
  return h("div", { class: "bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": pct,
    "aria-label": `${fmtGold(value)} / ${fmtGold(target)}` }, span);
}

export function mount(root) {
  async function act(path, button, errEl) {
    button.disabled = true;
    try {
      const out = await post(path, {}, { key: newKey() });
      if (typeof out.balance === "number") setBalance(out);
      await load();
    } catch (e) {
      errEl.textContent = errorText(e);
      button.disabled = false;
    }
  }

  function eventCard(e) {
    const err = root.querySelector("#events-error");
    const reqs = Object.entries(e.requirements || {});
    return h("article", { class: "card", testid: `event-${e.id}` },
      h("h3", {}, localName(e, "title")), e.description ? h("p", { class: "muted" }, localName(e, "description")) : null,
      ...reqs.map(([metric, target]) => h("div", { class: "stack" },
        h("p", { class: "row between" }, h("span", {}, t(`metric.${metric}`)), h("span", { class: "num", testid: `event-${e.id}-${metric}` }, `${fmtGold(capped(e.progress?.[metric], target))} / ${fmtGold(target)}`)),
        bar(e.progress?.[metric] ?? 0, target))),
      h("p", { class: "muted" }, rewardText(e.rewards), " · ", t("events.ends", { time: fmtTime(e.ends_at) })),
      e.claimed ? h("span", { class: "pill ok" }, t("events.claimed"))
        : !e.joined ? h("button", { type: "button", class: "btn btn-accent btn-sm", testid: `join-event-${e.id}`, on: { click: (ev) => act(`/events/${e.id}/join`, ev.currentTarget, err) } }, t("events.join"))
          : e.completed ? h("button", { type: "button", class: "btn btn-gold btn-sm", testid: `claim-event-${e.id}`, on: { click: (ev) => act(`/events/${e.id}/claim`, ev.currentTarget, err) } }, t("events.claim"))
            : h("span", { class: "pill" }, t("events.joined")));
  }

  function missionCard(m) {
    const err = root.querySelector("#missions-error");
    return h("article", { class: "card", testid: `mission-${m.code}`, dataset: { progress: m.progress, claimed: String(m.claimed) } },
      h("div", { class: "row between" }, h("h3", {}, localName(m, "title")), h("span", { class: "pill" }, t(`period.${m.period}`))),
      m.description ? h("p", { class: "muted" }, localName(m, "description")) : null,
      h("p", { class: "row between" }, h("span", {}, t(`metric.${m.metric}`)), h("span", { class: "num", testid: `mission-${m.code}-progress` }, `${fmtGold(capped(m.progress, m.target))} / ${fmtGold(m.target)}`)),
      bar(m.progress, m.target),
      h("p", { class: "muted", testid: `mission-${m.code}-reward` }, rewardText(m.rewards)),
      m.claimed ? h("span", { class: "pill ok" }, t("events.claimed"))
        : m.completed ? h("button", { type: "button", class: "btn btn-gold btn-sm", testid: `claim-${m.code}`, on: { click: (ev) => act(`/missions/${m.id}/claim`, ev.currentTarget, err) } }, t("events.claim"))
          : null);
  }

  async function load() {
    const [events, missions, rewards] = await Promise.allSettled([get("/events"), get("/missions"), get("/rewards", { limit: 10 })]);
    const ev = root.querySelector("#events-list");
    if (events.status === "fulfilled") ev.replaceChildren(...(events.value.items.length ? events.value.items.map(eventCard) : [h("p", { class: "empty" }, t("events.none"))]));
    else root.querySelector("#events-error").textContent = errorText(events.reason);
    const mi = root.querySelector("#missions-list");
    if (missions.status === "fulfilled") mi.replaceChildren(...(missions.value.items.length ? missions.value.items.map(missionCard) : [h("p", { class: "empty" }, t("events.noMissions"))]));
    else root.querySelector("#missions-error").textContent = errorText(missions.reason);
    const rw = root.querySelector("#rewards-list");
    if (rewards.status === "fulfilled") {
      rw.replaceChildren(...(rewards.value.items.length ? rewards.value.items.map((r) => h("li", {}, h("span", {}, localName(r, "title") || reasonLabel(`${r.source}_reward`)),
        h("span", { class: "num" }, `+${fmtGold(r.gold)} · ${fmtTime(r.created_at)}`))) : [h("li", { class: "muted" }, t("events.noRewards"))]));
    }
  }

  load();
  const offs = ["event_progress", "reward_granted", "game_update"].map((type) => realtime.on(type, () => load()));
  window.addEventListener("cc:lang", load); // titles and descriptions follow the language switch
  return () => { offs.forEach((off) => off()); window.removeEventListener("cc:lang", load); };
}
