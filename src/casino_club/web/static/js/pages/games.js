import { get } from "../api.js";
import { fmtGold, h } from "../fmt.js";
import { t } from "../i18n.js";

export async function mount(root) {
  const box = root.querySelector("#games-stats");
  try {
    const stats = await get("/games/stats/me");
    box.replaceChildren(h("ul", { class: "list" }, ...Object.entries(stats.games).map(([g, s]) =>
      h("li", {}, h("span", {}, t(`game.${g}`)), h("span", { class: "num" }, `${fmtGold(s.rounds)} · ${s.net >= 0 ? "+" : ""}${fmtGold(s.net)}`)))));
    if (!Object.keys(stats.games).length) box.replaceChildren(h("p", { class: "muted" }, t("profile.noStats")));
  } catch {
    box.replaceChildren(h("p", { class: "muted" }, t("profile.noStats")));
  }
}
