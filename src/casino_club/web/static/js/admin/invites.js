// Invite codes: list and create (expiry, max uses).
import { get, newKey, post } from "../api.js";
import { h } from "../fmt.js";
import { t } from "../i18n.js";
import { card, form, showError, table, when } from "./kit.js";

export function mount(host) {
  const listBox = h("div");
  const create = form([
    { name: "code", label: "f.code", required: true },
    { name: "max_uses", label: "f.maxUses", type: "number", min: 1 },
    { name: "expires_at", label: "f.expiresAt", type: "datetime" },
  ], "common.create", async (v) => {
    const out = await post("/admin/invite-codes", v, { key: newKey() });
    await load();
    return t("admin.created", { id: out.code });
  }, "invite-form");
  const cols = [
    { key: "code", label: t("f.code") }, { key: "uses", label: t("f.uses"), num: true }, { key: "max_uses", label: t("f.maxUses"), num: true },
    { key: "expires_at", label: t("f.expiresAt"), render: (i) => when(i.expires_at) }, { key: "active", label: t("admin.active"), render: (i) => (i.active ? "✓" : "–") },
    { key: "created_at", label: t("common.time"), render: (i) => when(i.created_at) },
  ];
  async function load() {
    try { listBox.replaceChildren(table(cols, await get("/admin/invite-codes"), "admin-invites-table")); } catch (e) { showError(host, e); }
  }
  host.replaceChildren(card(t("admin.newInvite"), create.el), card(t("admin.invites"), listBox));
  load();
}
