// Admin console building blocks: dense tables, cursor pager, small forms built from a field list,
// confirmation for destructive actions and a receipt line showing what the server answered.
import { errorText, get } from "../api.js";
import { confirmDialog } from "../dialog.js";
import { fmtGold, fmtTime, h } from "../fmt.js";
import { t } from "../i18n.js";

let uid = 0;

/** table(columns, rows): columns = [{key, label, num, render(row)}]. */
export function table(columns, rows, testid) {
  const head = h("tr", {}, ...columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : "" }, c.label)));
  const body = rows.length ? rows.map((r) => h("tr", { dataset: { id: r.id ?? r.code ?? "" } }, ...columns.map((c) => {
    const v = c.render ? c.render(r) : r[c.key];
    return h("td", { class: c.num ? "num" : "" }, v instanceof Node ? v : c.num && typeof v === "number" ? fmtGold(v) : v ?? "");
  }))) : [h("tr", {}, h("td", { colspan: columns.length, class: "muted" }, t("admin.noRows")))];
  return h("div", { class: "table-wrap" }, h("table", { testid }, h("thead", {}, head), h("tbody", {}, ...body)));
}

export const when = (v) => (v ? fmtTime(v) : "–");

/** A field list -> form. Field: {name, label (i18n key), type, options, required, value, full, min, max}. */
export function form(fields, submitLabel, onSubmit, testid) {
  const controls = {};
  const err = h("p", { class: "error-msg full", role: "alert" });
  const receipt = h("p", { class: "receipt full", role: "status", testid: testid ? `${testid}-receipt` : undefined });
  const items = fields.map((f) => {
    const id = `f${++uid}-${f.name}`;
    const tid = testid ? `${testid}-${f.name}` : undefined;
    let control;
    if (f.type === "select") {
      control = h("select", { id, name: f.name, testid: tid }, ...f.options.map((o) => h("option", { value: o, selected: o === f.value }, f.optionLabel ? f.optionLabel(o) : o)));
    } else if (f.type === "checkbox") {
      control = h("input", { id, name: f.name, type: "checkbox", checked: f.value !== false, testid: tid });
    } else if (f.type === "textarea") {
      control = h("textarea", { id, name: f.name, required: f.required, maxlength: f.max, testid: tid });
      control.value = f.value ?? "";
    } else {
      control = h("input", { id, name: f.name, type: f.type === "datetime" ? "datetime-local" : f.type || "text", required: f.required,
        min: f.min, max: f.max, step: f.type === "number" ? "1" : undefined, value: f.value ?? "", placeholder: f.placeholder, testid: tid });
    }
    controls[f.name] = { control, f };
    return h("div", { class: `field${f.full ? " full" : ""}` }, h("label", { for: id }, t(f.label)), control);
  });
  const button = h("button", { type: "submit", class: "btn btn-sm btn-primary", testid: testid ? `${testid}-submit` : undefined }, t(submitLabel));
  const el = h("form", { class: "admin-form", novalidate: true, testid }, ...items, h("div", { class: "field" }, button), err, receipt);
  const values = () => {
    const out = {};
    for (const [name, { control, f }] of Object.entries(controls)) {
      if (f.type === "checkbox") { out[name] = control.checked; continue; }
      const raw = control.value.trim();
      if (raw === "") { if (!f.omitEmpty) out[name] = null; continue; }
      if (f.type === "number") out[name] = Number(raw);
      else if (f.type === "datetime") out[name] = new Date(raw).toISOString();
      else if (f.type === "ids") out[name] = raw.split(/[\s,]+/).filter(Boolean).map(Number);
      else out[name] = raw;
    }
    return out;
  };
  el.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    receipt.textContent = "";
    for (const { control, f } of Object.values(controls)) {
      if (f.required && !control.value.trim()) {
        err.textContent = t("auth.invalidField", { field: t(f.label) });
        control.focus();
        return;
      }
    }
    button.disabled = true;
    try {
      const text = await onSubmit(values(), el);
      if (text) receipt.textContent = text;
    } catch (e) {
      err.textContent = errorText(e);
    } finally {
      button.disabled = false;
    }
  });
  return { el, controls, values, err, receipt, set(name, v) { const c = controls[name]; if (!c) return; if (c.f.type === "checkbox") c.control.checked = !!v; else c.control.value = v ?? ""; } };
}

/** Ask before a destructive action (a styled dialog; resolves to true or false). */
export function confirmed(text) {
  return confirmDialog(text);
}

export function actionButton(label, onClick, opts = {}) {
  return h("button", { type: "button", class: `btn btn-sm ${opts.danger ? "btn-danger" : "btn-ghost"}`, testid: opts.testid,
    on: { click: async (ev) => {
      const btn = ev.currentTarget;
      if (opts.confirm && !(await confirmed(t("admin.confirmAction", { action: label })))) return;
      btn.disabled = true;
      const err = document.getElementById("admin-error");
      if (err) err.textContent = "";
      try { await onClick(btn); } catch (e) { if (err) err.textContent = errorText(e); } finally { btn.disabled = false; }
    } } }, label);
}

export function card(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}

/** Cursor pager: load(cursor) -> {items, next_cursor}; render(items, append). */
export function pager(load, render) {
  let cursor = null;
  const more = h("button", { type: "button", class: "btn btn-sm btn-ghost", hidden: true }, t("common.more"));
  const box = h("div", { class: "pager" }, more);
  async function run(append) {
    const page = await load(append ? cursor : null);
    cursor = page.next_cursor;
    render(page.items, append);
    more.hidden = !cursor;
  }
  more.addEventListener("click", () => run(true));
  return { el: box, reload: () => run(false) };
}

/** A cursor-paged table of `path` (params() is read on every reload): the newest 50, then "more". */
export function pagedTable(path, params, cols, testid) {
  const box = h("div");
  let rows = [];
  const list = pager((cursor) => get(path, { ...params(), cursor, limit: 50 }), (items, append) => {
    rows = append ? rows.concat(items) : items;
    box.replaceChildren(table(cols, rows, testid));
  });
  return { el: h("div", {}, box, list.el), reload: list.reload };
}

export function showError(root, e) {
  const el = document.getElementById("admin-error");
  if (el) el.textContent = errorText(e);
}

export function json(v) {
  return h("pre", { class: "json" }, v === null || v === undefined ? "" : JSON.stringify(v));
}
