// Shared pieces of the game pages: bet selector (min/max, quick chips), last-results strip and the
// fairness line (seed hash + nonce of the latest round).
import { get } from "./api.js";
import { ensureClientSeed } from "./client-seed.js";
import { fmtGold, h } from "./fmt.js";
import { countUp } from "./fx.js";
import { getState, subscribe } from "./store.js";
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
  const shop = root.querySelector(`#${game}-bet-shop`);
  let guarded = [];
  const pressed = () => {
    for (const c of chips) c.setAttribute("aria-pressed", String(/^\d+$/.test(c.dataset.chip) && Number(c.dataset.chip) === Number(input.value)));
  };
  // What the player can pay: the table's max, capped by the balance (never below the table's min).
  const ceiling = () => Math.max(LIMITS.min, Math.min(LIMITS.max, getState().gold ?? LIMITS.max));
  const clamp = (n) => Math.max(LIMITS.min, Math.min(ceiling(), Math.round(n)));
  const shortcut = {
    max: () => ceiling(),
    half: () => clamp((Number(input.value) || LIMITS.min) / 2),
    double: () => clamp((Number(input.value) || LIMITS.min) * 2),
  };
  // A bet the balance cannot pay disables the play buttons and offers the shop instead of an error.
  const guard = () => {
    const gold = getState().gold;
    const n = Number(input.value);
    const short = gold !== null && Number.isFinite(n) && n > gold;
    if (shop) shop.hidden = !short;
    for (const b of guarded) setShort(b, short);
  };
  for (const chip of chips) {
    chip.addEventListener("click", () => {
      const fn = shortcut[chip.dataset.chip];
      input.value = String(fn ? fn() : chip.dataset.chip);
      error.textContent = "";
      pressed();
      guard();
    });
  }
  input.addEventListener("input", () => { error.textContent = ""; pressed(); guard(); });
  pressed();
  const unsub = subscribe(guard);
  return {
    /** Buttons that place this bet: disabled while the balance cannot pay it. */
    guard(buttons) { guarded = buttons; guard(); },
    stop: unsub,
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
    const o = outcome(round);
    const cls = o.cls === "tie" ? "" : o.cls;
    // crash chips lead with where the round crashed, then the same net as the banner
    const label = round.game === "crash" && round.outcome?.crash_point
      ? `${Number(round.outcome.crash_point).toFixed(2)}× · ${o.chip}` : o.chip;
    const li = h("li", { class: cls, title: `#${round.round_id} · ${o.text}`, dataset: { roundId: round.round_id, kind: o.kind } }, label);
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

/** Disable play buttons while a request is in flight (a button the balance cannot pay stays disabled). */
export function busy(buttons, on) {
  for (const b of buttons) {
    if (!b) continue;
    b.dataset.busy = String(on);
    b.disabled = on || b.dataset.short === "true";
    b.setAttribute("aria-busy", String(on));
  }
}

/** Mark a play button as unaffordable (disabled until the balance or the bet changes). */
export function setShort(button, short) {
  if (!button) return;
  button.dataset.short = String(short);
  button.disabled = short || button.dataset.busy === "true";
}

/**
 * The one wording of a settled round, shared by the banner and the results chip:
 * win (payout and net), break even (payout equals the stake), partial return, or loss.
 */
export function outcome(round) {
  const net = round.payout - round.stake;
  const vars = { payout: fmtGold(round.payout), stake: fmtGold(round.stake), net: fmtGold(net) };
  if (net > 0) return { kind: "win", cls: "win", chip: `+${fmtGold(net)}`, text: t("result.win", vars) };
  if (net === 0 && round.payout > 0) return { kind: "even", cls: "tie", chip: "±0", text: t("result.even", vars) };
  if (round.payout > 0) return { kind: "partial", cls: "loss", chip: fmtGold(net), text: t("result.partial", vars) };
  return { kind: "loss", cls: "loss", chip: fmtGold(net), text: t("result.loss", vars) };
}

/** Paint a banner with an outcome; a win leads with the payout counting up in gold. */
export function showOutcome(banner, o, payout, text = o.text) {
  banner.classList.add(o.cls);
  banner.dataset.kind = o.kind;
  if (o.kind !== "win") {
    banner.textContent = text;
    return;
  }
  const amount = h("span", { class: "win-count", testid: "win-count" }, "0");
  banner.replaceChildren(h("span", { class: "gold-inline" },
    h("img", { class: "coin", src: "/static/img/coin.svg", alt: "", width: 20, height: 20 }), amount), " ", text);
  countUp(amount, payout);
}
