// Users: search + filters + cursor paging; detail with gold grant/deduct (confirm + receipt), ban/unban,
// rank/role change, end sessions and the player's recent actions.
import { get, newKey, post } from "../api.js";
import { fmtGold, h } from "../fmt.js";
import { t } from "../i18n.js";
import { actionButton, card, confirmed, form, json, pager, showError, table, when } from "./kit.js";

export function mount(host) {
  const results = h("div");
  const detail = h("div", { testid: "admin-user-detail" });
  const filters = form([
    { name: "q", label: "admin.search", omitEmpty: true, placeholder: "user001" },
    { name: "role", label: "f.role", type: "select", options: ["", "user", "admin"], value: "", omitEmpty: true },
    { name: "rank", label: "profile.rank", type: "select", options: ["", "STANDARD", "PREMIUM", "VIP"], value: "", omitEmpty: true },
    { name: "banned", label: "f.banned", type: "select", options: ["", "true", "false"], value: "", omitEmpty: true },
  ], "common.search", async () => { await list.reload(); }, "user-search");
  filters.el.classList.add("admin-tools");

  const cols = [
    { key: "id", label: "ID", num: true },
    { key: "site_id", label: t("auth.siteId") },
    { key: "nickname", label: t("auth.nickname") },
    { key: "role", label: t("f.role") },
    { key: "rank", label: t("profile.rank") },
    { key: "gold", label: t("common.gold"), num: true },
    { key: "level", label: t("common.level"), num: true },
    { key: "banned", label: t("f.banned"), render: (u) => (u.banned ? h("span", { class: "pill bad" }, t("admin.ban")) : "") },
    { key: "last_login", label: t("f.lastLogin"), render: (u) => when(u.last_login) },
    { key: "open", label: t("common.actions"), render: (u) => h("button", { type: "button", class: "btn btn-sm btn-ghost", testid: `admin-open-${u.site_id}`, on: { click: () => open(u.id) } }, t("admin.detail")) },
  ];
  let rows = [];
  const list = pager((cursor) => get("/admin/users", { ...filters.values(), cursor, limit: 25 }), (items, append) => {
    rows = append ? rows.concat(items) : items;
    results.replaceChildren(table(cols, rows, "admin-users-table"));
  });

  async function open(id, note = null) {
    try {
      const [u, actions] = await Promise.all([get(`/admin/users/${id}`), get("/actions/recent", { user_id: id, limit: 10 }).catch(() => ({ items: [] }))]);
      renderDetail(u, actions.items, note);
    } catch (e) { showError(host, e); }
  }

  function goldForm(u, direction) {
    return form([
      { name: "amount", label: "admin.amount", type: "number", required: true, min: 1 },
      { name: "reason", label: "common.reason", required: true, max: 120 },
    ], direction === "grant" ? "admin.grant" : "admin.deduct", async (v) => {
      const label = t(direction === "grant" ? "admin.grant" : "admin.deduct");
      if (!(await confirmed(t("admin.confirmGold", { user: u.site_id, amount: fmtGold(v.amount), action: label })))) return "";
      const r = await post(`/admin/users/${u.id}/gold/${direction}`, v, { key: newKey() });
      const text = t("admin.receipt", { code: r.receipt_code, before: fmtGold(r.balance_before), after: fmtGold(r.balance_after), audit: r.audit_id });
      await open(u.id, { direction, text }); // fresh balance and history; the receipt stays on screen
      return "";
    }, `gold-${direction}`);
  }

  function renderDetail(u, actions, note = null) {
    const info = h("ul", { class: "list" },
      ...[["ID", u.id], [t("auth.siteId"), u.site_id], [t("auth.nickname"), u.nickname], [t("f.role"), u.role], [t("profile.rank"), u.rank],
        [t("common.gold"), fmtGold(u.gold)], [t("common.level"), `${u.level} (${fmtGold(u.xp)} XP)`], [t("profile.vip"), fmtGold(u.vip_points)],
        [t("f.banned"), u.banned ? t("common.yes") : t("common.no")], [t("profile.sessions"), u.active_sessions], [t("f.lastLogin"), when(u.last_login)]]
        .map(([k, v]) => h("li", {}, h("span", {}, k), h("strong", { class: "num" }, String(v)))));
    const status = h("p", { class: "receipt", role: "status", testid: "admin-user-status" });
    const done = (what) => (detailOut) => { renderDetail(detailOut, actions); document.querySelector('[data-testid="admin-user-status"]').textContent = t("admin.done", { what }); };
    const banReason = h("input", { id: "ban-reason", maxlength: 200 });
    const rankSel = h("select", { id: "rank-sel" }, ...["STANDARD", "PREMIUM", "VIP"].map((r) => h("option", { value: r, selected: r === u.rank }, r)));
    const roleSel = h("select", { id: "role-sel" }, ...["user", "admin"].map((r) => h("option", { value: r, selected: r === u.role }, r)));
    const controls = h("div", { class: "admin-tools" },
      h("div", { class: "field" }, h("label", { for: "ban-reason" }, t("common.reason")), banReason),
      u.banned ? actionButton(t("admin.unban"), async () => done(t("admin.unban"))(await post(`/admin/users/${u.id}/unban`, {}, { key: newKey() })), { confirm: true })
        : actionButton(t("admin.ban"), async () => done(t("admin.ban"))(await post(`/admin/users/${u.id}/ban`, { reason: banReason.value.trim() || "admin" }, { key: newKey() })), { confirm: true, danger: true }),
      actionButton(t("admin.endSessions"), async () => done(t("admin.endSessions"))(await post(`/admin/users/${u.id}/end-sessions`, {}, { key: newKey() })), { confirm: true, danger: true }),
      h("div", { class: "field" }, h("label", { for: "rank-sel" }, t("profile.rank")), rankSel),
      actionButton(t("admin.setRank"), async () => done(t("admin.setRank"))(await post(`/admin/users/${u.id}/rank`, { rank: rankSel.value }, { key: newKey() })), { confirm: true }),
      h("div", { class: "field" }, h("label", { for: "role-sel" }, t("f.role")), roleSel),
      actionButton(t("admin.setRole"), async () => done(t("admin.setRole"))(await post(`/admin/users/${u.id}/role`, { role: roleSel.value }, { key: newKey() })), { confirm: true, danger: true }));
    const grant = goldForm(u, "grant");
    const deduct = goldForm(u, "deduct");
    if (note) (note.direction === "grant" ? grant : deduct).receipt.textContent = note.text;
    detail.replaceChildren(card(`${t("admin.detail")} · ${u.site_id}`, info, controls, status),
      card(t("admin.grant"), grant.el), card(t("admin.deduct"), deduct.el),
      card(t("home.recent"), table([{ key: "kind", label: t("f.kind") }, { key: "reference", label: t("f.reference") },
        { key: "data", label: "data", render: (a) => json(a.data) }, { key: "created_at", label: t("common.time"), render: (a) => when(a.created_at) }], actions)));
  }

  host.replaceChildren(card(t("admin.users"), filters.el, results, list.el), detail);
  list.reload().catch((e) => showError(host, e));
}
