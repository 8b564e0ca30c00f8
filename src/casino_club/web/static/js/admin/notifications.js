// Notification campaigns: all players, a rank or listed players, now or scheduled; cancel.
import { get, newKey, post } from "../api.js";
import { h } from "../fmt.js";
import { t, tOr } from "../i18n.js";
import { actionButton, card, form, pager, showError, table, when, confirmed } from "./kit.js";

export function mount(host) {
  const results = h("div");
  const create = form([
    { name: "title", label: "f.title", required: true },
    { name: "title_en", label: "f.titleEn" },
    { name: "target", label: "f.target", type: "select", options: ["all", "rank", "users"], value: "all", optionLabel: (o) => t(`audience.${o}`) },
    { name: "rank", label: "profile.rank", type: "select", options: ["", "STANDARD", "PREMIUM", "VIP"], value: "" },
    { name: "user_ids", label: "f.userIds", type: "ids", placeholder: "1, 2, 3" },
    { name: "send_at", label: "f.sendAt", type: "datetime" },
    { name: "body", label: "f.body", type: "textarea", required: true, full: true },
    { name: "body_en", label: "f.bodyEn", type: "textarea", full: true },
  ], "common.create", async (v) => {
    const body = { title: v.title, body: v.body, title_en: v.title_en || "", body_en: v.body_en || "", target: v.target, rank: v.rank || null, user_ids: v.user_ids, send_at: v.send_at };
    if (!(await confirmed(t("admin.confirmAction", { action: t("admin.newCampaign") })))) return "";
    const out = await post("/admin/notifications", body, { key: newKey() });
    await list.reload();
    return `${t("admin.created", { id: out.id })} · ${out.status} · ${out.recipients}`;
  }, "campaign-form");
  let rows = [];
  const cols = [
    { key: "id", label: "ID", num: true }, { key: "title_ko", label: t("f.title") }, { key: "title_en", label: t("f.titleEn") },
    { key: "target", label: t("f.target"), render: (c) => (c.rank ? `${t(`audience.${c.target}`)} · ${c.rank}` : t(`audience.${c.target}`)) },
    { key: "recipients", label: t("f.recipients"), num: true }, { key: "status", label: t("common.status"), render: (c) => tOr(`campaign.${c.status}`, c.status) },
    { key: "scheduled_at", label: t("f.sendAt"), render: (c) => when(c.scheduled_at) }, { key: "sent_at", label: t("f.sentAt"), render: (c) => when(c.sent_at) },
    { key: "x", label: t("common.actions"), render: (c) => (c.status === "scheduled" ? actionButton(t("common.cancel"), async () => { await post(`/admin/notifications/${c.id}/cancel`, {}, { key: newKey() }); await list.reload(); }, { confirm: true, danger: true }) : "") },
  ];
  const list = pager((cursor) => get("/admin/notifications", { cursor, limit: 25 }), (items, append) => {
    rows = append ? rows.concat(items) : items;
    results.replaceChildren(table(cols, rows, "admin-campaigns-table"));
  });
  host.replaceChildren(card(t("admin.newCampaign"), create.el), card(t("admin.notifications"), results, list.el));
  list.reload().catch((e) => showError(host, e));
}
