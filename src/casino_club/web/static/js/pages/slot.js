// Slot: three reels spin (eased), stop one by one on the server's symbols; a win glows, 7-7-7 bursts.
import { errorText, get, newKey, post } from "../api.js";
import { fmtGold, h, reducedMotion, sleep } from "../fmt.js";
import { betBox, busy, outcome, resultsStrip, showOutcome } from "../game.js";
import { seeded } from "../client-seed.js";
import { celebrate } from "../fx.js";
import { getLang, t } from "../i18n.js";
import { setBalance } from "../store.js";

const SYMBOLS = ["🍒", "🍋", "🍊", "🍇", "💎", "7️⃣"];

function fillStrip(reel, final) {
  const strip = reel.querySelector(".reel-strip");
  strip.replaceChildren(h("span", {}, final));
}

function spinStrip(reel) {
  const strip = reel.querySelector(".reel-strip");
  const cells = [];
  for (let i = 0; i < 6; i++) cells.push(h("span", { "aria-hidden": "true" }, SYMBOLS[(i * 7 + Math.floor(Math.random() * 6)) % 6]));
  strip.replaceChildren(...cells);
  reel.classList.remove("stopping");
  reel.classList.add("spinning");
}

export function mount(root) {
  const bet = betBox(root, "slot");
  const strip = resultsStrip(root, "slot");
  const spinButton = root.querySelector("#slot-spin");
  const reelsBox = root.querySelector("#reels");
  const reels = [...root.querySelectorAll(".reel")];
  const banner = root.querySelector("#slot-result");
  let alive = true;
  let table = null;
  strip.load();

  // The paytable is the server's (the numbers a spin pays by); the winning row lights up after a spin.
  function renderPaytable(win) {
    if (!table) return;
    const pair = Object.fromEntries(table.pair.map((l) => [l.symbol, l]));
    root.querySelector("#slot-paytable-body").replaceChildren(...table.triple.map((l) => h("tr", {
      class: win?.symbol === l.symbol ? `hit hit-${win.line}` : "", dataset: { symbol: l.symbol } },
    h("td", { class: "pay-symbol" }, h("span", { "aria-hidden": "true" }, `${l.emoji}${l.emoji}${l.emoji}`), h("span", { class: "sr-only" }, l.symbol)),
    h("td", { class: "num" }, `×${l.multiplier}`), h("td", { class: "num" }, `×${pair[l.symbol].multiplier}`))));
    root.querySelector("#slot-rules").textContent = getLang() === "en" ? table.rules_en : table.rules_ko;
  }
  get("/games/slot/paytable").then((body) => { table = body; renderPaytable(); }).catch(() => {});
  const onLang = () => renderPaytable();
  window.addEventListener("cc:lang", onLang);

  async function spin() {
    const stake = bet.value();
    if (stake === null) return;
    busy([spinButton], true);
    banner.textContent = "";
    banner.className = "result-banner";
    reelsBox.classList.remove("win");
    root.querySelector(".jackpot-burst")?.remove();
    const motion = !reducedMotion();
    if (motion) reels.forEach(spinStrip);
    const spunAt = performance.now(); // reels spin at least ~0.65 s, then stop one by one
    const key = newKey();
    try {
      await seeded();
      const round = await post("/games/slot/spin", { bet: stake }, { key });
      const emojis = round.outcome.emojis || [];
      for (let i = 0; i < reels.length; i++) {
        if (motion) await sleep(i === 0 ? Math.max(0, 650 - (performance.now() - spunAt)) : 320);
        if (!alive) return;
        reels[i].classList.remove("spinning");
        fillStrip(reels[i], emojis[i] ?? "?");
        if (motion) reels[i].classList.add("stopping");
      }
      reelsBox.dataset.symbols = (round.outcome.symbols || []).join(",");
      renderPaytable(round.outcome.line !== "none" ? { symbol: round.outcome.line_symbol, line: round.outcome.line } : null);
      setBalance(round);
      const net = round.payout - round.stake;
      const o = outcome(round);
      if (round.payout > 0) reelsBox.classList.add("win");
      showOutcome(banner, o, round.payout);
      if (o.kind === "win") celebrate(round.outcome.jackpot ? 60 : 18);
      if (round.outcome.jackpot) root.querySelector(".stage").append(h("div", { class: "jackpot-burst", "aria-hidden": "true" }, "JACKPOT"));
      banner.dataset.net = String(net);
      strip.add(round);
      strip.fair(round);
    } catch (err) {
      reels.forEach((r) => r.classList.remove("spinning"));
      bet.showError(errorText(err));
    } finally {
      busy([spinButton], false);
    }
  }

  spinButton.addEventListener("click", spin);
  bet.guard([spinButton]);
  return () => { alive = false; bet.stop(); window.removeEventListener("cc:lang", onLang); };
}
