import { errorText, get } from "../api.js";
import { fmtGold, goldNode, h, localName } from "../fmt.js";
import { t } from "../i18n.js";

export async function mount(root) {
  const box = root.querySelector("#inventory");
  try {
    const inv = await get("/inventory");
    if (!inv.items.length) {
      box.replaceChildren(h("p", { class: "empty" }, t("inventory.empty")));
      return;
    }
    box.replaceChildren(...inv.items.map((it) => h("article", { class: "card product", testid: `inv-${it.item_id}`, dataset: { itemId: it.item_id, quantity: it.quantity } },
      h("div", { class: "row between" }, h("span", { class: "icon", "aria-hidden": "true" }, it.icon || "🎁"),
        h("span", { class: `pill rarity-${it.rarity}` }, t(`rarity.${it.rarity}`))),
      h("h3", {}, localName(it)),
      h("p", { class: "row between" }, h("span", { class: "num", testid: "inv-qty" }, t("inventory.qty", { n: fmtGold(it.quantity) })),
        goldNode(it.value, "muted")))));
  } catch (err) {
    root.querySelector("#inv-error").textContent = errorText(err);
  }
}
