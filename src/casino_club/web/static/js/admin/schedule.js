// Reward schedule editor on the economy page: the effective values (the admin override or the CASINO_*
// defaults), field checks mirroring the server's (422 SCHEDULE_INVALID names the same problems), save,
// reset to the defaults, and the streak's day 1..30 gold for the values in the form.
import { del, errorText, get, put } from "../api.js";
import { line } from "../chart.js";
import { fmtGold, fmtTime, h } from "../fmt.js";
import { t } from "../i18n.js";
import { card, confirmed } from "./kit.js";

const PATH = "/admin/economy/schedule";
const FIELDS = [
  ["streak_base_gold", 1_000_000], ["streak_step_gold", 1_000_000], ["streak_max_gold", 1_000_000],
  ["streak_base_xp", 100_000], ["streak_step_xp", 100_000], ["streak_max_xp", 100_000],
  ["welcome_gold", 1_000_000_000_000], ["free_gold_daily_cap", 100_000_000],
];
const OPTIONAL = new Set(["free_gold_daily_cap"]);

/** Field -> problem code (the server's words: negative, above_N, not_an_integer, above_streak_max_gold …). */
export function problems(values) {
  const out = {};
  for (const [name, bound] of FIELDS) {
    const v = values[name];
    if (v === null && OPTIONAL.has(name)) continue;
    if (v === null || !Number.isInteger(v)) out[name] = "not_an_integer";
    else if (v < 0) out[name] = "negative";
    else if (v > bound) out[name] = `above_${bound}`;
  }
  for (const kind of ["gold", "xp"]) {
    const base = `streak_base_${kind}`, top = `streak_max_${kind}`;
    if (!out[base] && !out[top] && values[base] > values[top]) out[base] = `above_streak_max_${kind}`;
  }
  return out;
}

function problemText(code) {
  if (code === "negative") return t("schedule.err.negative");
  if (code === "not_an_integer") return t("schedule.err.integer");
  if (code === "required") return t("schedule.err.integer");
  if (code.startsWith("above_streak_max")) return t("schedule.err.baseAboveMax");
  if (code.startsWith("above_")) return t("schedule.err.tooLarge", { max: fmtGold(Number(code.slice(6))) });
  return code;
}

export const dayGold = (s, n) => Math.min(s.streak_base_gold + s.streak_step_gold * n, s.streak_max_gold);

export function scheduleCard() {
  const inputs = {}, notes = {};
  const status = h("p", { class: "muted", testid: "schedule-status" });
  const err = h("p", { class: "error-msg", role: "alert", testid: "schedule-error" });
  const receipt = h("p", { class: "receipt", role: "status", testid: "schedule-receipt" });
  const preview = h("div", { testid: "schedule-preview" });
  const days = h("p", { class: "muted", testid: "schedule-days" });
  const rows = FIELDS.map(([name, bound]) => {
    const id = `sched-${name}`;
    inputs[name] = h("input", { id, name, type: "number", min: 0, max: bound, step: 1, testid: id,
      placeholder: OPTIONAL.has(name) ? t("schedule.noCap") : "" });
    notes[name] = h("p", { class: "error-msg", testid: `${id}-error` });
    inputs[name].addEventListener("input", () => { err.textContent = ""; check(); draw(); });
    return h("div", { class: "field" }, h("label", { for: id }, t(`schedule.${name}`)), inputs[name], notes[name]);
  });
  const values = () => Object.fromEntries(FIELDS.map(([name]) => {
    const raw = inputs[name].value.trim();
    return [name, raw === "" ? null : Number(raw)];
  }));
  function show(found) {
    for (const [name] of FIELDS) notes[name].textContent = found[name] ? problemText(found[name]) : "";
  }
  function check() { const found = problems(values()); show(found); return found; }
  function draw() {
    const v = values();
    if (Object.keys(problems(v)).length) return;
    const gold = Array.from({ length: 30 }, (_, i) => dayGold(v, i + 1));
    preview.replaceChildren(line(gold.map((_, i) => String(i + 1)), gold, t("schedule.preview")));
    days.textContent = gold.map((g, i) => `${i + 1}: ${fmtGold(g)}`).join(" · ");
  }
  function fill(out) {
    for (const [name] of FIELDS) inputs[name].value = out.effective[name] ?? "";
    status.textContent = out.overridden
      ? t("schedule.overridden", { when: fmtTime(out.updated_at), by: out.updated_by ?? "–" })
      : t("schedule.defaults");
    reset.disabled = !out.overridden;
    show({});
    draw();
  }
  async function load() {
    try { fill(await get(PATH)); } catch (e) { err.textContent = errorText(e); }
  }
  const save = h("button", { type: "submit", class: "btn btn-sm btn-primary", testid: "schedule-save" }, t("schedule.save"));
  const reset = h("button", { type: "button", class: "btn btn-sm btn-danger", testid: "schedule-reset" }, t("schedule.reset"));
  const el = h("form", { class: "admin-form", novalidate: true, testid: "schedule-form" }, ...rows,
    h("div", { class: "field" }, save, reset), err, receipt);
  el.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = receipt.textContent = "";
    if (Object.keys(check()).length) { err.textContent = t("schedule.err.fix"); return; }
    save.disabled = true;
    try {
      fill(await put(PATH, values()));
      receipt.textContent = t("schedule.saved");
    } catch (e) {
      if (e.details?.fields) show(e.details.fields);
      err.textContent = errorText(e);
    } finally { save.disabled = false; }
  });
  reset.addEventListener("click", async () => {
    if (!(await confirmed(t("schedule.resetConfirm")))) return;
    err.textContent = receipt.textContent = "";
    try {
      fill(await del(PATH));
      receipt.textContent = t("schedule.resetDone");
    } catch (e) { err.textContent = errorText(e); }
  });
  load();
  return card(t("schedule.title"), status, el, h("h3", {}, t("schedule.preview")), preview, days);
}
