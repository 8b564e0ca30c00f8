// Events: create (requirements + rewards), soft delete / restore; reward distribution to players.
import { del, newKey, post } from "../api.js";
import { fmtGold } from "../fmt.js";
import { t } from "../i18n.js";
import { actionButton, card, confirmed, form, pagedTable, showError, when } from "./kit.js";

export const METRICS = ["games_played", "wins", "slot_spins", "rps_plays", "gacha_pulls", "crash_rounds", "gold_wagered", "gold_spent", "purchases", "login_days", "streak_claims"];

function rewardsOf(v) {
  const items = v.item_id ? [{ item_id: v.item_id, quantity: v.item_qty || 1 }] : [];
  return { gold: v.gold || 0, xp: v.xp || 0, items };
}

export function mount(host) {
  const now = new Date();
  const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  const create = form([
    { name: "title", label: "f.title", required: true },
    { name: "title_en", label: "f.titleEn" },
    { name: "priority", label: "f.priority", type: "number", value: "0" },
    { name: "starts_at", label: "f.startsAt", type: "datetime", required: true, value: local(now) },
    { name: "ends_at", label: "f.endsAt", type: "datetime", required: true, value: local(new Date(now.getTime() + 7 * 86400000)) },
    { name: "metric", label: "f.metric", type: "select", options: METRICS, value: "games_played", optionLabel: (o) => t(`metric.${o}`) },
    { name: "target", label: "f.target", type: "number", required: true, min: 1, value: "10" },
    { name: "gold", label: "common.gold", type: "number", min: 0, value: "1000" },
    { name: "xp", label: "f.xp", type: "number", min: 0, value: "50" },
    { name: "item_id", label: "f.itemId" },
    { name: "description", label: "f.description", type: "textarea", full: true },
    { name: "description_en", label: "f.descriptionEn", type: "textarea", full: true },
  ], "common.create", async (v) => {
    const body = { title: v.title, title_en: v.title_en || "", description: v.description || "", description_en: v.description_en || "", priority: v.priority || 0, starts_at: v.starts_at, ends_at: v.ends_at,
      requirements: { [v.metric]: v.target }, rewards: rewardsOf(v) };
    const out = await post("/admin/events", body, { key: newKey() });
    await load();
    return t("admin.created", { id: out.id });
  }, "event-form");

  const cols = [
    { key: "id", label: "ID", num: true }, { key: "title_ko", label: t("f.title") }, { key: "title_en", label: t("f.titleEn") }, { key: "priority", label: t("f.priority"), num: true },
    { key: "requirements", label: t("f.metric"), render: (e) => Object.entries(e.requirements).map(([m, n]) => `${t(`metric.${m}`)} ${fmtGold(n)}`).join(", ") },
    { key: "rewards", label: t("f.rewards"), render: (e) => `${fmtGold(e.rewards.gold)} / ${e.rewards.xp} XP` },
    { key: "starts_at", label: t("f.startsAt"), render: (e) => when(e.starts_at) }, { key: "ends_at", label: t("f.endsAt"), render: (e) => when(e.ends_at) },
    { key: "participants", label: t("f.participants"), num: true },
    { key: "x", label: t("common.actions"), render: (e) => (e.deleted_at
      ? actionButton(t("common.restore"), async () => { await post(`/admin/events/${e.id}/restore`, {}, { key: newKey() }); await load(); })
      : actionButton(t("common.delete"), async () => { await del(`/admin/events/${e.id}`); await load(); }, { confirm: true, danger: true })) },
  ];
  const list = pagedTable("/admin/events", () => ({ include_deleted: "true" }), cols, "admin-events-table");
  async function load() {
    try { await list.reload(); } catch (e) { showError(host, e); }
  }

  const distribute = form([
    { name: "user_ids", label: "f.userIds", type: "ids", placeholder: "1, 2, 3" },
    { name: "rank", label: "profile.rank", type: "select", options: ["", "STANDARD", "PREMIUM", "VIP"], value: "" },
    { name: "gold", label: "common.gold", type: "number", min: 0, value: "100" },
    { name: "reason", label: "common.reason", required: true },
  ], "admin.distribute", async (v) => {
    const body = { gold: v.gold || 0, reason: v.reason, items: [], user_ids: v.user_ids, rank: v.rank || null };
    if (!(await confirmed(t("admin.confirmAction", { action: t("admin.distribute") })))) return "";
    const out = await post("/admin/rewards/distribute", body, { key: newKey() });
    return `${out.batch_code} · ${out.recipients} · ${fmtGold(out.gold)}`;
  }, "distribute-form");

  host.replaceChildren(card(t("admin.newEvent"), create.el), card(t("admin.events"), list.el), card(t("admin.distribute"), distribute.el));
  load();
}
