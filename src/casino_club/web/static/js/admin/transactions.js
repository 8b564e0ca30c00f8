// Purchases: filter by status / user / owed, cursor paging, force-settle with reason (confirm + result).
import { get, newKey, post } from "../api.js";
import { fmtGold, fmtMoney, goldNode, h } from "../fmt.js";
import { t } from "../i18n.js";
import { card, confirmed, form, pager, showError, table, when } from "./kit.js";

export function mount(host) {
  const results = h("div");
  const outcome = h("p", { class: "receipt", role: "status", testid: "force-settle-result" });
  const filters = form([
    { name: "status", label: "common.status", type: "select", options: ["", "pending", "success", "failed", "voided", "refunded"], value: "", omitEmpty: true,
      optionLabel: (o) => (o ? t(`status.${o}`) : "–") },
    { name: "user_id", label: "f.userId", type: "number", omitEmpty: true },
    { name: "owed_only", label: "admin.owedOnly", type: "checkbox", value: false },
  ], "admin.filter", async () => { await list.reload(); }, "tx-filter");
  filters.el.classList.add("admin-tools");
  let rows = [];
  let totalOwed = 0;

  function settleControls(tx) {
    if (tx.status !== "pending") return "";
    const reason = h("input", { "aria-label": t("common.reason"), placeholder: t("common.reason"), maxlength: 120, value: "manual review" });
    const go = (status) => h("button", { type: "button", class: `btn btn-sm ${status === "success" ? "btn-accent" : "btn-danger"}`, testid: `force-${status}-${tx.receipt_code}`,
      on: { click: async (ev) => {
        const button = ev.currentTarget; // gone from the event once the dialog has been awaited
        if (!(await confirmed(t("admin.confirmAction", { action: `${t("admin.forceSettle")} → ${t(`status.${status}`)}` })))) return;
        button.disabled = true;
        try {
          const out = await post(`/admin/transactions/${encodeURIComponent(tx.receipt_code)}/force-settle`, { status, reason: reason.value.trim() || "manual" }, { key: newKey() });
          outcome.textContent = `${out.receipt_code} → ${out.status} (${out.settled_by || ""})`;
          await list.reload();
        } catch (e) { showError(host, e); button.disabled = false; }
      } } }, t(`status.${status}`));
    return h("span", { class: "row" }, reason, go("success"), go("failed"));
  }

  const cols = [
    { key: "id", label: "ID", num: true }, { key: "receipt_code", label: t("shop.receipt") }, { key: "user_id", label: t("f.userId"), num: true },
    { key: "kind", label: t("f.kind"), render: (x) => t(`kind.${x.kind}`) }, { key: "status", label: t("common.status"), render: (x) => t(`status.${x.status}`) },
    { key: "total", label: t("shop.price"), num: true, render: (x) => (x.currency === "cents" ? fmtMoney(x.total) : goldNode(x.total)) },
    { key: "gold_amount", label: t("f.goldAmount"), num: true }, { key: "gold_owed", label: t("f.owed"), num: true },
    { key: "failure_reason", label: t("common.reason") }, { key: "created_at", label: t("common.time"), render: (x) => when(x.created_at) },
    { key: "x", label: t("admin.forceSettle"), render: settleControls },
  ];
  const summary = h("p", { class: "muted num" });
  const list = pager(async (cursor) => {
    const page = await get("/admin/shop/transactions", { ...filters.values(), owed_only: filters.values().owed_only ? "true" : undefined, cursor, limit: 25 });
    totalOwed = page.total_owed;
    return page;
  }, (items, append) => {
    rows = append ? rows.concat(items) : items;
    results.replaceChildren(table(cols, rows, "admin-tx-table"));
    summary.textContent = `${t("f.owed")}: ${fmtGold(totalOwed)}`;
  });
  host.replaceChildren(card(t("admin.transactions"), filters.el, summary, outcome, results, list.el));
  list.reload().catch((e) => showError(host, e));
}
