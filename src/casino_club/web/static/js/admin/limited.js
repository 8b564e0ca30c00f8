// Limited packages: stock, per-user limit, sale window, enable/disable, delete.
import { del, newKey, post } from "../api.js";
import { h, localName } from "../fmt.js";
import { t } from "../i18n.js";
import { actionButton, card, form, pagedTable, showError, when } from "./kit.js";

export function mount(host) {
  const create = form([
    { name: "product_id", label: "f.productId", type: "number", required: true, min: 1 },
    { name: "stock", label: "f.stock", type: "number", required: true, min: 0 },
    { name: "per_user_limit", label: "f.perUser", type: "number", min: 1 },
    { name: "starts_at", label: "f.startsAt", type: "datetime" },
    { name: "ends_at", label: "f.endsAt", type: "datetime" },
    { name: "enabled", label: "admin.active", type: "checkbox", value: true },
  ], "common.create", async (v) => {
    const out = await post("/admin/shop/limited-packages", v, { key: newKey() });
    await load();
    return t("admin.created", { id: out.id });
  }, "limited-form");
  const cols = [
    { key: "id", label: "ID", num: true },
    { key: "product", label: t("shop.product"), render: (l) => `#${l.product.id} ${localName(l.product)}` },
    { key: "stock_remaining", label: t("f.stock"), num: true },
    { key: "sold", label: t("f.sold"), num: true },
    { key: "per_user_limit", label: t("f.perUser"), num: true },
    { key: "starts_at", label: t("f.startsAt"), render: (l) => when(l.starts_at) },
    { key: "ends_at", label: t("f.endsAt"), render: (l) => when(l.ends_at) },
    { key: "on_sale", label: t("f.onSale"), render: (l) => (l.on_sale ? "✓" : "–") },
    { key: "x", label: t("common.actions"), render: (l) => h("span", { class: "row" },
      actionButton(l.enabled ? t("f.disable") : t("f.enable"), async () => { await post(`/admin/shop/limited-packages/${l.id}/${l.enabled ? "disable" : "enable"}`, {}, { key: newKey() }); await load(); }, { confirm: l.enabled }),
      actionButton(t("common.delete"), async () => { await del(`/admin/shop/limited-packages/${l.id}`); await load(); }, { confirm: true, danger: true })) },
  ];
  const list = pagedTable("/admin/shop/limited-packages", () => ({}), cols, "admin-limited-table");
  async function load() {
    try { await list.reload(); } catch (e) { showError(host, e); }
  }
  host.replaceChildren(card(t("admin.newLimited"), create.el), card(t("admin.limited"), list.el));
  load();
}
