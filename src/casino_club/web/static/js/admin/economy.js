// Economy dashboard: minted by source vs burned by sink (and their ratio), gold in/out by reason per day,
// purchases by status, active players; above them the reward schedule editor (schedule.js).
import { get } from "../api.js";
import { bars, legend, line, stackedBars } from "../chart.js";
import { fmtGold, h } from "../fmt.js";
import { reasonLabel, t } from "../i18n.js";
import { card, showError } from "./kit.js";
import { scheduleCard } from "./schedule.js";

function bySource(days, key) {
  const names = [...new Set(days.flatMap((d) => Object.keys(d[key] || {})))].sort();
  // charts and legends carry translated labels ("Crash payouts"), never the ledger's reason codes
  const labels = names.map(reasonLabel);
  const series = Object.fromEntries(names.map((n, i) => [labels[i], days.map((d) => d[key]?.[n] || 0)]));
  return { names: labels, series };
}

export function mount(host) {
  const daysSel = h("select", { id: "eco-days" }, ...[7, 14, 30, 90].map((d) => h("option", { value: d, selected: d === 14 }, String(d))));
  const body = h("div", { testid: "economy" });
  async function load() {
    try {
      const eco = await get("/admin/economy", { days: daysSel.value });
      const days = eco.days;
      const labels = days.map((d) => d.day);
      const gin = bySource(days, "gold_in");
      const gout = bySource(days, "gold_out");
      const sum = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);
      const minted = days.reduce((a, d) => a + sum(d.minted), 0);
      const burned = days.reduce((a, d) => a + sum(d.burned), 0);
      const purchases = Object.entries(eco.purchases || {}).map(([status, n]) => [t(`status.${status}`), n]);
      body.replaceChildren(
        h("div", { class: "kpis" },
          h("div", { class: "kpi" }, h("div", { class: "muted" }, t("admin.players")), h("div", { class: "stat-value" }, fmtGold(eco.players))),
          h("div", { class: "kpi" }, h("div", { class: "muted" }, t("admin.playerGold")), h("div", { class: "stat-value" }, fmtGold(eco.player_gold))),
          h("div", { class: "kpi", testid: "burn-ratio" }, h("div", { class: "muted" }, t("admin.burnRatio")),
            h("div", { class: "stat-value" }, minted ? `${Math.round((burned / minted) * 100)}%` : "—"),
            h("div", { class: "muted" }, `${fmtGold(burned)} / ${fmtGold(minted)}`)),
          h("div", { class: "kpi" }, h("div", { class: "muted" }, t("admin.activePlayers")), h("div", { class: "stat-value" }, fmtGold(days.length ? days[days.length - 1].active_players : 0)))),
        card(t("admin.minted"), stackedBars(labels, Object.fromEntries([...new Set(days.flatMap((d) => Object.keys(d.minted)))].map((k) => [t(`admin.system.${k}`), days.map((d) => d.minted[k] || 0)])), t("admin.minted"))),
        card(t("admin.burned"), stackedBars(labels, Object.fromEntries([...new Set(days.flatMap((d) => Object.keys(d.burned)))].map((k) => [t(`admin.system.${k}`), days.map((d) => Math.max(0, d.burned[k] || 0))])), t("admin.burned"))),
        card(t("admin.goldIn"), stackedBars(labels, gin.series, t("admin.goldIn")), legend(gin.names)),
        card(t("admin.goldOut"), stackedBars(labels, gout.series, t("admin.goldOut")), legend(gout.names)),
        card(t("admin.purchases"), purchases.length ? bars(purchases, t("admin.purchases")) : h("p", { class: "muted" }, t("admin.noRows")),
          h("p", { class: "muted" }, purchases.map(([k, v]) => `${k}: ${fmtGold(v)}`).join(" · "))),
        card(t("admin.activePlayers"), line(labels, days.map((d) => d.active_players), t("admin.activePlayers"))));
    } catch (e) { showError(host, e); }
  }
  daysSel.addEventListener("change", load);
  host.replaceChildren(scheduleCard(),
    h("div", { class: "admin-tools" }, h("div", { class: "field" }, h("label", { for: "eco-days" }, t("admin.days")), daysSel)), body);
  load();
}
