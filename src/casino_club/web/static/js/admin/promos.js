// Promo codes: percent or fixed, per product or global, max uses, window; delete.
import { del, newKey, post } from "../api.js";
import { t } from "../i18n.js";
import { actionButton, card, form, pagedTable, showError, when } from "./kit.js";

export function mount(host) {
  const create = form([
    { name: "code", label: "f.code", required: true },
    { name: "kind", label: "f.kind", type: "select", options: ["percent", "fixed"], value: "percent" },
    { name: "value", label: "f.value", type: "number", required: true, min: 1 },
    { name: "max_uses", label: "f.maxUses", type: "number", min: 1 },
    { name: "product_id", label: "f.productId", type: "number", min: 1 },
    { name: "starts_at", label: "f.startsAt", type: "datetime" },
    { name: "ends_at", label: "f.endsAt", type: "datetime" },
    { name: "active", label: "admin.active", type: "checkbox", value: true },
  ], "common.create", async (v) => {
    const out = await post("/admin/shop/promo-codes", v, { key: newKey() });
    await load();
    return t("admin.created", { id: out.id });
  }, "promo-form");
  const cols = [
    { key: "id", label: "ID", num: true }, { key: "code", label: t("f.code") }, { key: "kind", label: t("f.kind") },
    { key: "value", label: t("f.value"), num: true }, { key: "uses", label: t("f.uses"), num: true },
    { key: "max_uses", label: t("f.maxUses"), num: true }, { key: "product_id", label: t("f.productId") },
    { key: "ends_at", label: t("f.endsAt"), render: (p) => when(p.ends_at) },
    { key: "active", label: t("admin.active"), render: (p) => (p.deleted_at ? t("admin.deleted") : p.active ? "✓" : "–") },
    { key: "x", label: t("common.actions"), render: (p) => (p.deleted_at ? "" : actionButton(t("common.delete"), async () => { await del(`/admin/shop/promo-codes/${p.id}`); await load(); }, { confirm: true, danger: true })) },
  ];
  const list = pagedTable("/admin/shop/promo-codes", () => ({ include_deleted: "true" }), cols, "admin-promos-table");
  async function load() {
    try { await list.reload(); } catch (e) { showError(host, e); }
  }
  host.replaceChildren(card(t("admin.newPromo"), create.el), card(t("admin.promos"), list.el));
  load();
}
