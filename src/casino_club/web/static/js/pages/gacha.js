// Gacha: published odds and pity counter always visible; cards glow in their rarity colour before
// they flip; a 10-pull fills a grid. Everything shown comes from the server response.
import { errorText, get, newKey, post } from "../api.js";
import { fmtGold, fmtPct, h, localName, reducedMotion, sleep } from "../fmt.js";
import { busy, resultsStrip, setShort } from "../game.js";
import { seeded } from "../client-seed.js";
import { getLang, t } from "../i18n.js";
import { getState, setBalance, subscribe } from "../store.js";

export function mount(root) {
  const grid = root.querySelector("#gacha-grid");
  const pull1 = root.querySelector("#gacha-pull-1");
  const pull10 = root.querySelector("#gacha-pull-10");
  const error = root.querySelector("#gacha-error");
  const pity = root.querySelector("#gacha-pity");
  const pityNote = root.querySelector("#gacha-pity-note");
  const strip = resultsStrip(root, "gacha");
  let config = null;
  let alive = true;

  function showPity(n) {
    pity.textContent = String(n);
    pity.dataset.value = String(n);
    if (config) pityNote.textContent = t("gacha.pityNote", { n: config.pity.legendary_guaranteed_by });
  }

  function renderConfig() {
    const body = root.querySelector("#gacha-odds-body");
    body.replaceChildren(...config.rarity_order.map((r) => h("tr", {},
      h("td", { class: `rarity-${r}` }, t(`rarity.${r}`)), h("td", { class: "num" }, fmtPct(config.odds[r], 2)))));
    root.querySelector("#gacha-cost-1").textContent = fmtGold(config.costs.single);
    root.querySelector("#gacha-cost-10").textContent = fmtGold(config.costs.ten);
    root.querySelector("#gacha-rules").textContent = getLang() === "en" ? config.pity.rules_en : config.pity.rules_ko;
    guard(getState());
  }

  // A pull the balance cannot pay is disabled, with a link to the shop, instead of failing on click.
  function guard(state) {
    if (!config || state.gold === null) return;
    const short1 = config.costs.single > state.gold;
    setShort(pull1, short1);
    setShort(pull10, config.costs.ten > state.gold);
    root.querySelector("#gacha-shop").hidden = !(short1 || config.costs.ten > state.gold);
  }

  async function load() {
    try {
      config = await get("/games/gacha/config");
      renderConfig();
    } catch (err) {
      error.textContent = errorText(err);
    }
    const items = await strip.load();
    const last = items.find((r) => r.outcome && typeof r.outcome.new_pulls_since_legendary === "number");
    showPity(last ? last.outcome.new_pulls_since_legendary : 0);
  }

  function card(item, i) {
    return h("div", { class: `gacha-card r-${item.rarity}`, testid: `gacha-card-${i}`, dataset: { rarity: item.rarity } },
      h("div", { class: "inner" },
        h("div", { class: "face back", "aria-hidden": "true" }, "🎁"),
        h("div", { class: "face front" },
          h("span", { class: "icon", "aria-hidden": "true" }, item.emoji || "★"),
          h("span", {}, localName(item)),
          h("span", { class: `rarity-${item.rarity}` }, t(`rarity.${item.rarity}`)))));
  }

  async function pull(count) {
    error.textContent = "";
    const cost = config ? (count === 1 ? config.costs.single : config.costs.ten) : 0;
    const gold = getState().gold;
    if (gold !== null && cost > gold) {
      error.textContent = t("bet.tooMuch");
      return;
    }
    busy([pull1, pull10], true);
    try {
      await seeded();
      const round = await post("/games/gacha/pull", { count }, { key: newKey() });
      setBalance(round);
      const items = round.outcome.items || [];
      const cards = items.map(card);
      grid.replaceChildren(...cards);
      grid.dataset.count = String(items.length);
      const motion = !reducedMotion();
      for (const c of cards) {
        if (motion) await sleep(items.length > 1 ? 140 : 500);
        if (!alive) return;
        c.classList.add("flipped");
      }
      showPity(round.outcome.new_pulls_since_legendary);
      strip.add(round);
      strip.fair(round);
    } catch (err) {
      error.textContent = errorText(err);
    } finally {
      busy([pull1, pull10], false);
    }
  }

  pull1.addEventListener("click", () => pull(1));
  pull10.addEventListener("click", () => pull(10));
  const onLang = () => config && renderConfig();
  window.addEventListener("cc:lang", onLang);
  load();
  const unsub = subscribe(guard);
  return () => { alive = false; unsub(); window.removeEventListener("cc:lang", onLang); };
}
