// Slot: three reels spin (eased), stop one by one on the server's symbols; a win glows, 7-7-7 bursts.
import { errorText, newKey, post } from "../api.js";
import { fmtGold, h, reducedMotion, sleep } from "../fmt.js";
import { betBox, busy, resultsStrip } from "../game.js";
import { seeded } from "../client-seed.js";
import { t } from "../i18n.js";
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
  strip.load();

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
    const key = newKey();
    try {
      await seeded();
      const round = await post("/games/slot/spin", { bet: stake }, { key });
      const emojis = round.outcome.emojis || [];
      for (let i = 0; i < reels.length; i++) {
        if (motion) await sleep(i === 0 ? 250 : 300);
        if (!alive) return;
        reels[i].classList.remove("spinning");
        fillStrip(reels[i], emojis[i] ?? "?");
        if (motion) reels[i].classList.add("stopping");
      }
      reelsBox.dataset.symbols = (round.outcome.symbols || []).join(",");
      setBalance(round);
      const net = round.payout - round.stake;
      if (round.payout > 0) {
        reelsBox.classList.add("win");
        banner.classList.add("win");
        banner.textContent = t("slot.win", { payout: fmtGold(round.payout) });
      } else {
        banner.classList.add("loss");
        banner.textContent = t("slot.lose", { stake: fmtGold(round.stake) });
      }
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
  return () => { alive = false; };
}
