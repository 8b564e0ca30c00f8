import { errorText, get, newKey, post } from "../api.js";
import { fmtTime, h, localName } from "../fmt.js";
import { t } from "../i18n.js";
import * as realtime from "../realtime.js";
import { setUnread } from "../store.js";

export function mount(root) {
  const list = root.querySelector("#notif-list");
  const err = root.querySelector("#notif-error");
  const more = root.querySelector("#notif-more");
  let cursor = null;

  function row(n) {
    return h("li", { class: `notif${n.read ? "" : " unread"}`, dataset: { id: n.id, read: String(n.read) }, testid: "notif-item" },
      h("div", { class: "notif-body" },
        h("p", { class: "notif-head" }, h("strong", {}, localName(n, "title")), n.read ? "" : h("span", { class: "pill warn", testid: "notif-unread" }, t("notif.unread"))),
        h("p", { class: "muted" }, localName(n, "body")), h("small", { class: "muted" }, fmtTime(n.created_at))),
      n.read ? "" : h("button", { type: "button", class: "btn btn-sm btn-accent notif-read", testid: `notif-read-${n.id}`, on: { click: async (ev) => {
        ev.currentTarget.disabled = true;
        try { await post(`/notifications/${n.id}/read`, {}, { key: newKey() }); await load(); } catch (e) { err.textContent = errorText(e); }
      } } }, t("notif.markRead")));
  }

  async function load(append = false) {
    try {
      const page = await get("/notifications", { limit: 20, cursor: append ? cursor : undefined });
      cursor = page.next_cursor;
      setUnread(page.unread);
      const rows = page.items.map(row);
      if (append) list.append(...rows);
      else list.replaceChildren(...(rows.length ? rows : [h("li", { class: "muted" }, t("notif.empty"))]));
      more.hidden = !cursor;
    } catch (e) { err.textContent = errorText(e); }
  }

  root.querySelector("#read-all").addEventListener("click", async () => {
    try { const out = await post("/notifications/read-all", {}, { key: newKey() }); setUnread(out.unread); await load(); } catch (e) { err.textContent = errorText(e); }
  });
  more.addEventListener("click", () => load(true));
  load();
  const off = realtime.on("notification", () => load());
  const onLang = () => load();
  window.addEventListener("cc:lang", onLang);
  return () => { off(); window.removeEventListener("cc:lang", onLang); };
}
