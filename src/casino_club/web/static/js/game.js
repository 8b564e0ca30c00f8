// Shared pieces of the game pages: bet selector (min/max, quick chips), last-results strip and the
// fairness line (seed hash + nonce of the latest round).
import { get } from "./api.js";
import { ensureClientSeed } from "./client-seed.js";
import { fmtGold, h } from "./fmt.js";
import { getState } from "./store.js";
import { t } from "./i18n.js";

const LIMITS = { min: 10, max: 100000 };

export function betBox(root, game) {
  LIMITS.min = Number(root.dataset.minBet) || LIMITS.min;
  LIMITS.max = Number(root.dataset.maxBet) || LIMITS.max;
  const input = root.querySelector(`#${game}-bet-amount`);
  const error = root.querySelector(`#${game}-bet-error`);
  const chips = [...root.querySelectorAll(`[data-chip]`)].filter((c) => c.closest(".bet-box"));
  const limits = root.querySelector("[data-bet-limits]");
  if (limits) limits.textContent = `${fmtGold(LIMITS.min)} – ${fmtGold(LIMITS.max)}`;
  input.min = String(LIMITS.min);
  input.max = String(LIMITS.max);
  const pressed = () => {
    for (const c of chips) c.setAttribute("aria-pressed", String(c.dataset.chip !== "max" && Number(c.dataset.chip) === Number(input.value)));
  };
  for (const chip of chips) {
    chip.addEventListener("click", () => {
      if (chip.dataset.chip === "max") {
        const gold = getState().gold ?? LIMITS.min;
        input.value = String(Math.max(LIMITS.min, Math.min(LIMITS.max, gold)));
      } else {
        input.value = chip.dataset.chip;
      }
      error.textContent = "";
      pressed();
    });
  }
  input.addEventListener("input", () => { error.textContent = ""; pressed(); });
  pressed();
  return {
    /** The bet as an integer, or null (with an inline message) when it is out of range. */
    value() {
      const raw = input.value.trim();
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isInteger(n) || n < LIMITS.min || n > LIMITS.max) {
        error.textContent = t("bet.invalid", { min: fmtGold(LIMITS.min), max: fmtGold(LIMITS.max) });
        input.focus();
        return null;
      }
      const gold = getState().gold;
      if (gold !== null && n > gold) {
        error.textContent = t("bet.tooMuch");
        return null;
      }
      error.textContent = "";
      return n;
    },
    showError(text) { error.textContent = text; },
    input,
  };
}

export function resultsStrip(root, game) {
  const list = root.querySelector("[data-results]");
  const hash = root.querySelector("[data-fair-hash]");
  const nonce = root.querySelector("[data-fair-nonce]");
  const add = (round, prepend = true) => {
    const net = round.payout - round.stake;
    const cls = net > 0 ? "win" : net < 0 ? "loss" : "";
    const label = round.game === "crash" && round.outcome?.crash_point ? `${Number(round.outcome.crash_point).toFixed(2)}×`
      : `${net > 0 ? "+" : ""}${fmtGold(net)}`;
    const li = h("li", { class: cls, title: `#${round.round_id}`, dataset: { roundId: round.round_id } }, label);
    if (prepend) list.prepend(li); else list.append(li);
    while (list.children.length > 12) list.lastElementChild.remove();
  };
  const fair = (round) => {
    if (!round?.fairness) return;
    hash.textContent = `${round.fairness.server_seed_hash.slice(0, 16)}…`;
    hash.title = round.fairness.server_seed_hash;
    nonce.textContent = String(round.fairness.nonce);
  };
  const load = async () => {
    try {
      const seeded = ensureClientSeed().catch(() => null); // before the first round; never blocks the history
      const page = await get("/games/history", { game, limit: 12 });
      for (const r of page.items) if (r.status === "settled") add(r, false);
      if (page.items[0]) fair(page.items[0]);
      else {
        const f = (await seeded) ?? await get("/fairness");
        hash.textContent = `${f.server_seed_hash.slice(0, 16)}…`;
        hash.title = f.server_seed_hash;
        nonce.textContent = String(f.nonce);
      }
      return page.items;
    } catch {
      return [];
    }
  };
  return { add, fair, load };
}

/** Disable play buttons while a request is in flight. */
export function busy(buttons, on) {
  for (const b of buttons) {
    if (!b) continue;
    b.disabled = on;
    b.setAttribute("aria-busy", String(on));
  }
}
