// Rock-paper-scissors: three big buttons, a 3-2-1 countdown while the request runs, both hands, banner.
import { errorText, newKey, post } from "../api.js";
import { fmtGold, reducedMotion, sleep } from "../fmt.js";
import { betBox, busy, outcome, resultsStrip, showOutcome } from "../game.js";
import { seeded } from "../client-seed.js";
import { celebrate } from "../fx.js";
import { t } from "../i18n.js";
import { setBalance } from "../store.js";

const HAND = { rock: "✊", paper: "✋", scissors: "✌️" };

export function mount(root) {
  const bet = betBox(root, "rps");
  const strip = resultsStrip(root, "rps");
  const buttons = [...root.querySelectorAll("[data-choice]")];
  const countdown = root.querySelector("#rps-countdown");
  const you = root.querySelector("#rps-you-hand");
  const house = root.querySelector("#rps-house-hand");
  const banner = root.querySelector("#rps-result");
  strip.load();

  async function play(choice) {
    const stake = bet.value();
    if (stake === null) return;
    busy(buttons, true);
    banner.textContent = "";
    banner.className = "result-banner";
    you.textContent = "✊";
    house.textContent = "✊";
    const hands = [you.parentElement, house.parentElement];
    const motion = !reducedMotion();
    if (motion) hands.forEach((el) => el.classList.add("shake"));
    const request = seeded().then(() => post("/games/rps/play", { bet: stake, choice }, { key: newKey() }));
    request.catch(() => {});
    try {
      for (const n of [3, 2, 1]) {
        countdown.textContent = String(n);
        if (motion) await sleep(380);
      }
      const round = await request;
      hands.forEach((el) => el.classList.remove("shake"));
      countdown.textContent = "VS";
      you.textContent = HAND[round.outcome.player] || "?";
      house.textContent = HAND[round.outcome.house] || "?";
      house.dataset.move = round.outcome.house;
      setBalance(round);
      const result = round.outcome.result || round.result;
      const o = outcome(round);
      banner.dataset.result = result;
      showOutcome(banner, o, round.payout, result === "draw" ? t("rps.draw") : o.text);
      if (o.kind === "win") celebrate(18);
      strip.add(round);
      strip.fair(round);
    } catch (err) {
      hands.forEach((el) => el.classList.remove("shake"));
      countdown.textContent = "VS";
      bet.showError(errorText(err));
    } finally {
      busy(buttons, false);
    }
  }

  for (const b of buttons) b.addEventListener("click", () => play(b.dataset.choice));
  bet.guard(buttons);
  return () => bet.stop();
}
