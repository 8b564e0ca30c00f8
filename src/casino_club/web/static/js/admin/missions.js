// Mission templates: daily / weekly, metric + target, rewards; soft delete / restore.
import { del, newKey, post } from "../api.js";
import { fmtGold } from "../fmt.js";
import { t } from "../i18n.js";
import { METRICS } from "./events.js";
import { actionButton, card, form, pagedTable, showError } from "./kit.js";

export function mount(host) {
  const create = form([
    { name: "code", label: "f.code", required: true },
    { name: "title", label: "f.title", required: true },
    { name: "title_en", label: "f.titleEn" },
    { name: "period", label: "f.period", type: "select", options: ["daily", "weekly"], value: "daily", optionLabel: (o) => t(`period.${o}`) },
    { name: "metric", label: "f.metric", type: "select", options: METRICS, value: "games_played", optionLabel: (o) => t(`metric.${o}`) },
    { name: "target", label: "f.target", type: "number", required: true, min: 1, value: "5" },
    { name: "gold", label: "common.gold", type: "number", min: 0, value: "100" },
    { name: "xp", label: "f.xp", type: "number", min: 0, value: "10" },
    { name: "sort", label: "f.sort", type: "number", value: "0" },
    { name: "description", label: "f.description", full: true },
    { name: "description_en", label: "f.descriptionEn", full: true },
  ], "common.create", async (v) => {
    const body = { code: v.code, title: v.title, title_en: v.title_en || "", description: v.description || "", description_en: v.description_en || "", period: v.period, metric: v.metric, target: v.target,
      sort: v.sort || 0, rewards: { gold: v.gold || 0, xp: v.xp || 0, items: [] } };
    const out = await post("/admin/missions", body, { key: newKey() });
    await load();
    return t("admin.created", { id: out.id });
  }, "mission-form");
  const cols = [
    { key: "id", label: "ID", num: true }, { key: "code", label: t("f.code") }, { key: "title_ko", label: t("f.title") }, { key: "title_en", label: t("f.titleEn") },
    { key: "period", label: t("f.period"), render: (m) => t(`period.${m.period}`) }, { key: "metric", label: t("f.metric"), render: (m) => t(`metric.${m.metric}`) }, { key: "target", label: t("f.target"), num: true },
    { key: "rewards", label: t("f.rewards"), render: (m) => `${fmtGold(m.rewards.gold)} / ${m.rewards.xp} XP` },
    { key: "x", label: t("common.actions"), render: (m) => (m.deleted_at
      ? actionButton(t("common.restore"), async () => { await post(`/admin/missions/${m.id}/restore`, {}, { key: newKey() }); await load(); })
      : actionButton(t("common.delete"), async () => { await del(`/admin/missions/${m.id}`); await load(); }, { confirm: true, danger: true })) },
  ];
  const list = pagedTable("/admin/missions", () => ({ include_deleted: "true" }), cols, "admin-missions-table");
  async function load() {
    try { await list.reload(); } catch (e) { showError(host, e); }
  }
  host.replaceChildren(card(t("admin.newMission"), create.el), card(t("admin.missions"), list.el));
  load();
}
