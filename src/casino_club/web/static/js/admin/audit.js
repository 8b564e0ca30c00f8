// Audit log: every admin action with actor, target, before/after, IP and time; filters + cursor paging.
import { get } from "../api.js";
import { h } from "../fmt.js";
import { t } from "../i18n.js";
import { card, form, json, pager, showError, table, when } from "./kit.js";

export function mount(host) {
  const results = h("div");
  const filters = form([
    { name: "actor_id", label: "f.actorId", type: "number", omitEmpty: true },
    { name: "action", label: "f.action", omitEmpty: true, placeholder: "gold.grant" },
    { name: "target_type", label: "f.targetType", omitEmpty: true, placeholder: "user" },
    { name: "target_id", label: "f.targetId", omitEmpty: true },
  ], "admin.filter", async () => { await list.reload(); }, "audit-filter");
  filters.el.classList.add("admin-tools");
  let rows = [];
  const cols = [
    { key: "id", label: "ID", num: true }, { key: "created_at", label: t("common.time"), render: (a) => when(a.created_at) },
    { key: "actor_id", label: t("f.actorId"), num: true }, { key: "action", label: t("f.action") },
    { key: "target", label: t("f.targetType"), render: (a) => `${a.target_type}:${a.target_id ?? ""}` },
    { key: "before", label: t("f.before"), render: (a) => json(a.before) }, { key: "after", label: t("f.after"), render: (a) => json(a.after) },
    { key: "ip", label: "IP" },
  ];
  const list = pager((cursor) => get("/admin/audit", { ...filters.values(), cursor, limit: 50 }), (items, append) => {
    rows = append ? rows.concat(items) : items;
    results.replaceChildren(table(cols, rows, "admin-audit-table"));
  });
  host.replaceChildren(card(t("admin.audit"), filters.el, results, list.el));
  list.reload().catch((e) => showError(host, e));
}
