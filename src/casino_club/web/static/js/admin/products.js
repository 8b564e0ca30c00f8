// Products: list (optionally with soft-deleted), create, edit, soft delete and restore.
import { del, newKey, post, put } from "../api.js";
import { fmtMoney, goldNode, h } from "../fmt.js";
import { t } from "../i18n.js";
import { actionButton, card, form, pagedTable, showError, when } from "./kit.js";

const FIELDS = [
  { name: "sku", label: "f.sku", required: true },
  { name: "kind", label: "f.kind", type: "select", options: ["item", "gold_pack"], value: "item", optionLabel: (o) => t(`kind.${o}`) },
  { name: "name_ko", label: "f.nameKo", required: true },
  { name: "name_en", label: "f.nameEn", required: true },
  { name: "price", label: "f.priceHelp", type: "number", required: true, min: 0 },
  { name: "gold_amount", label: "f.goldAmount", type: "number", min: 0, omitEmpty: true },
  { name: "item_id", label: "f.itemId", omitEmpty: true },
  { name: "item_quantity", label: "f.itemQuantity", type: "number", min: 1, omitEmpty: true },
  { name: "discount_percent", label: "f.discount", type: "number", min: 0, max: 100, omitEmpty: true },
  { name: "discount_ends_at", label: "f.discountEnds", type: "datetime", omitEmpty: true },
  { name: "min_rank", label: "profile.rank", type: "select", options: ["STANDARD", "PREMIUM", "VIP"], value: "STANDARD" },
  { name: "sort_order", label: "f.sort", type: "number", omitEmpty: true },
  { name: "description", label: "f.description", omitEmpty: true, full: true },
  { name: "description_en", label: "f.descriptionEn", omitEmpty: true, full: true },
  { name: "active", label: "admin.active", type: "checkbox", value: true },
];

/** A price with its unit: money (₩/$ from integer cents) for gold packs, gold (coin) for items. */
function price(p, amount, testid) {
  return h("span", { testid: `${testid}-${p.sku}`, dataset: { currency: p.currency } },
    p.currency === "cents" ? fmtMoney(amount) : goldNode(amount));
}

export function mount(host) {
  const includeDeleted = h("input", { type: "checkbox", id: "inc-deleted", testid: "include-deleted" });
  let editing = null;
  const create = form(FIELDS, "common.save", async (v) => {
    if (editing) {
      // Send only what changed (sku, kind and item are fixed after creation).
      const changes = {};
      for (const [name, value] of Object.entries(v)) {
        if (["sku", "kind", "item_id"].includes(name)) continue;
        const before = name === "discount_ends_at" && editing[name] ? new Date(editing[name]).toISOString() : editing[name];
        if (value !== null && value !== before) changes[name] = value;
      }
      const out = await put(`/admin/shop/products/${editing.id}`, changes, { key: newKey() });
      stopEditing();
      await load();
      return t("admin.done", { what: `#${out.id} ${out.sku}` });
    }
    const out = await post("/admin/shop/products", v, { key: newKey() });
    await load();
    return t("admin.created", { id: out.id });
  }, "product-form");

  const editNote = h("p", { class: "row", hidden: true, testid: "product-editing" });
  function stopEditing() {
    editing = null;
    editNote.hidden = true;
    create.el.reset();
    for (const key of ["sku", "kind", "item_id"]) create.controls[key].control.disabled = false;
  }
  function edit(p) {
    editing = p;
    for (const f of FIELDS) create.set(f.name, f.type === "datetime" ? (p[f.name] ? p[f.name].slice(0, 16) : "") : p[f.name]);
    for (const key of ["sku", "kind", "item_id"]) create.controls[key].control.disabled = true; // fixed after creation
    editNote.replaceChildren(h("strong", {}, `${t("common.edit")}: #${p.id} ${p.sku}`),
      h("button", { type: "button", class: "btn btn-sm btn-ghost", on: { click: stopEditing } }, t("common.cancel")));
    editNote.hidden = false;
    create.el.scrollIntoView({ block: "center" });
  }

  const cols = [
    { key: "id", label: "ID", num: true },
    { key: "sku", label: t("f.sku") },
    { key: "kind", label: t("f.kind"), render: (p) => t(`kind.${p.kind}`) },
    { key: "name_ko", label: t("f.nameKo") },
    { key: "name_en", label: t("f.nameEn") },
    { key: "price", label: t("f.price"), num: true, render: (p) => price(p, p.price, "price") },
    { key: "effective_price", label: t("shop.price"), num: true, render: (p) => price(p, p.effective_price, "effective-price") },
    { key: "gold_amount", label: t("f.goldAmount"), num: true },
    { key: "min_rank", label: t("profile.rank") },
    { key: "active", label: t("admin.active"), render: (p) => (p.active ? "✓" : "–") },
    { key: "deleted_at", label: t("admin.deleted"), render: (p) => (p.deleted_at ? h("span", { class: "pill bad" }, when(p.deleted_at)) : "") },
    { key: "x", label: t("common.actions"), render: (p) => h("span", { class: "row" },
      actionButton(t("common.edit"), async () => edit(p), { testid: `edit-${p.sku}` }),
      p.deleted_at ? actionButton(t("common.restore"), async () => { await post(`/admin/shop/products/${p.id}/restore`, {}, { key: newKey() }); await load(); }, { testid: `restore-${p.sku}` })
        : actionButton(t("common.delete"), async () => { await del(`/admin/shop/products/${p.id}`); await load(); }, { confirm: true, danger: true, testid: `delete-${p.sku}` })) },
  ];

  const list = pagedTable("/admin/shop/products", () => ({ include_deleted: includeDeleted.checked ? "true" : undefined }),
    cols, "admin-products-table");
  async function load() {
    try { await list.reload(); } catch (e) { showError(host, e); }
  }
  includeDeleted.addEventListener("change", load);
  host.replaceChildren(card(t("admin.newProduct"), editNote, create.el),
    card(t("admin.products"), h("p", { class: "row" }, includeDeleted, h("label", { for: "inc-deleted" }, t("admin.includeDeleted"))), list.el));
  load();
}
