// Shop: limited packages with stock, catalog (gold packs in money, items in gold), purchase modal with
// quantity and promo code, purchase history with pending settle checks. Badge and gold update live.
import { errorText, get, newKey, post } from "../api.js";
import { fmtGold, fmtMoney, fmtTime, goldNode, h, localName } from "../fmt.js";
import { t } from "../i18n.js";
import * as realtime from "../realtime.js";
import { refreshPending, setBalance, subscribe } from "../store.js";

const STATUS_CLASS = { success: "ok", pending: "warn", failed: "bad", voided: "bad", refunded: "bad" };

function priceNode(p) {
  const money = p.currency === "cents";
  const fmt = (v) => (money ? fmtMoney(v) : fmtGold(v));
  const parts = [money ? h("span", { class: "price num" }, fmt(p.effective_price)) : goldNode(p.effective_price, "price")];
  if (p.discount_percent > 0 && p.effective_price !== p.price) {
    parts.push(h("span", { class: "strike num" }, fmt(p.price)), h("span", { class: "pill warn" }, t("shop.discount", { pct: p.discount_percent })));
  }
  return h("div", { class: "row" }, ...parts);
}

export function mount(root) {
  const catalogBox = root.querySelector("#catalog");
  const limitedBox = root.querySelector("#limited-list");
  const historyBody = root.querySelector("#shop-history");
  const moreButton = root.querySelector("#history-more");
  const pageError = root.querySelector("#shop-error");
  const dialog = root.querySelector("#buy-dialog");
  const qty = root.querySelector("#buy-qty");
  const promo = root.querySelector("#buy-promo");
  const buyError = root.querySelector("#buy-error");
  const buyOk = root.querySelector("#buy-ok");
  const confirm = root.querySelector("#buy-confirm");
  const pendingPill = root.querySelector("#shop-pending-pill");
  let selected = null;
  let attempt = null; // {body, key}: a retry of the same purchase reuses its idempotency key
  let cursor = null;

  function productCard(p, limited) {
    const info = limited || p.limited;
    const soldOut = info && info.stock_remaining <= 0;
    return h("article", { class: "card product", testid: `product-${p.sku}`, dataset: { productId: p.id } },
      h("div", { class: "row between" }, h("span", { class: "icon", "aria-hidden": "true" }, p.kind === "gold_pack" ? "💰" : "🎁"),
        p.min_rank && p.min_rank !== "STANDARD" ? h("span", { class: "pill" }, t("shop.rankOnly", { rank: p.min_rank })) : null),
      h("h3", {}, localName(p)),
      p.description ? h("p", { class: "muted", testid: `desc-${p.sku}` }, localName(p, "description")) : null,
      p.kind === "gold_pack" ? h("p", { class: "muted num" }, t("shop.gives", { gold: fmtGold(p.gold_amount) })) : null,
      priceNode(p),
      info ? h("p", { class: "stock", testid: `stock-${p.sku}` }, soldOut ? t("shop.soldOut") : t("shop.stock", { n: fmtGold(info.stock_remaining) }),
        info.user_remaining !== null && info.user_remaining !== undefined ? ` · ${t("shop.userLimit", { n: info.user_remaining })}` : "") : null,
      h("button", { type: "button", class: "btn btn-primary", testid: `buy-${p.sku}`, disabled: !p.purchasable || soldOut,
        on: { click: () => openBuy(p) } }, t("shop.buy")));
  }

  const productNames = new Map(); // product id -> product, so history rows show names, not codes
  let catalogLoaded = null;

  async function loadCatalog() {
    try {
      const [catalog, limited] = await Promise.all([get("/shop/catalog"), get("/shop/limited-packages").catch(() => [])]);
      for (const p of [...catalog.gold_packs, ...catalog.items, ...limited.map((l) => l.product)]) productNames.set(p.id, p);
      const products = [...catalog.gold_packs, ...catalog.items].filter((p) => !p.limited);
      catalogBox.replaceChildren(...(products.length ? products.map((p) => productCard(p)) : [h("p", { class: "empty" }, t("shop.empty"))]));
      const onSale = limited.filter((l) => l.enabled);
      limitedBox.replaceChildren(...(onSale.length ? onSale.map((l) => productCard(l.product, l)) : [h("p", { class: "empty" }, t("shop.empty"))]));
    } catch (err) {
      pageError.textContent = errorText(err);
    }
  }

  function productLabel(tx) {
    const p = productNames.get(tx.product_id);
    if (tx.kind === "gold_pack") return `${p ? localName(p) : t("shop.goldPack")} (${fmtGold(tx.gold_amount)})`;
    return `${p ? localName(p) : t("shop.item")} ×${fmtGold(tx.item_quantity)}`;
  }

  function historyRow(tx) {
    const cls = STATUS_CLASS[tx.status] || "";
    const money = tx.currency === "cents";
    return h("tr", { dataset: { receipt: tx.receipt_code, status: tx.status } },
      h("td", { testid: "tx-product" }, productLabel(tx)),
      h("td", {}, h("span", { class: `pill ${cls}`, testid: "tx-status" }, t(`status.${tx.status}`))),
      h("td", { class: "num" }, money ? fmtMoney(tx.total) : fmtGold(tx.total)),
      h("td", {}, h("code", {}, tx.receipt_code)),
      h("td", {}, fmtTime(tx.created_at)),
      h("td", {}, tx.status === "pending" ? h("button", { type: "button", class: "btn btn-sm btn-ghost",
        on: { click: (ev) => settle(tx.receipt_code, ev.currentTarget) } }, t("shop.settle")) : ""));
  }

  async function loadHistory(more = false) {
    try {
      const [page] = await Promise.all([get("/shop/transactions", { limit: 10, cursor: more ? cursor : undefined }), catalogLoaded]);
      cursor = page.next_cursor;
      const rows = page.items.map(historyRow);
      if (more) historyBody.append(...rows);
      else historyBody.replaceChildren(...(rows.length ? rows : [h("tr", {}, h("td", { colspan: 6, class: "muted" }, t("shop.noHistory")))]));
      moreButton.hidden = !cursor;
    } catch (err) {
      pageError.textContent = errorText(err);
    }
  }

  async function settle(receipt, button) {
    button.disabled = true;
    try {
      await post(`/shop/transactions/${encodeURIComponent(receipt)}/settle`, {}, { key: newKey() });
      await Promise.all([loadHistory(), refreshPending()]);
    } catch (err) {
      pageError.textContent = errorText(err);
      button.disabled = false;
    }
  }

  function openBuy(p) {
    selected = p;
    attempt = null;
    qty.value = "1";
    promo.value = "";
    buyError.textContent = "";
    buyOk.textContent = "";
    confirm.disabled = false;
    root.querySelector("#buy-name").textContent = localName(p);
    root.querySelector("#buy-price").replaceChildren(priceNode(p));
    dialog.showModal();
  }

  confirm.addEventListener("click", async () => {
    if (!selected) return;
    buyError.textContent = "";
    buyOk.textContent = "";
    const quantity = Number(qty.value);
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 99) {
      buyError.textContent = t("auth.invalidField", { field: t("shop.quantity") });
      return;
    }
    const body = { product_id: selected.id, quantity };
    if (promo.value.trim()) body.promo_code = promo.value.trim();
    const same = attempt && JSON.stringify(attempt.body) === JSON.stringify(body);
    if (!same) attempt = { body, key: newKey() };
    confirm.disabled = true;
    try {
      const out = await post("/shop/buy", body, { key: attempt.key });
      setBalance({ gold: out.gold });
      attempt = null;
      if (out.status === "pending") buyOk.textContent = t("shop.pendingNote", { receipt: out.receipt_code });
      else if (out.status === "success") buyOk.textContent = t("shop.bought", { receipt: out.receipt_code });
      else buyError.textContent = `${t(`status.${out.status}`)} ${out.failure_reason || ""}`;
      buyOk.dataset.status = out.status;
      await Promise.all([loadHistory(), loadCatalog(), refreshPending()]);
    } catch (err) {
      buyError.textContent = errorText(err);
      attempt = null; // a refused purchase changed nothing: the next click is a new attempt
      confirm.disabled = false;
    }
  });
  root.querySelector("#buy-form").addEventListener("submit", (ev) => { ev.preventDefault(); confirm.click(); });
  root.querySelector("#buy-cancel").addEventListener("click", () => dialog.close());
  moreButton.addEventListener("click", () => loadHistory(true));

  const unsub = subscribe((s) => {
    pendingPill.hidden = !(s.pending > 0);
    pendingPill.textContent = t("shop.pending", { n: s.pending });
  });
  const off = realtime.on("purchase_update", () => { loadHistory(); loadCatalog(); });
  catalogLoaded = loadCatalog();
  loadHistory();
  const onLang = () => { catalogLoaded = loadCatalog(); loadHistory(); };
  window.addEventListener("cc:lang", onLang);
  return () => { unsub(); off(); window.removeEventListener("cc:lang", onLang); if (dialog.open) dialog.close(); };
}
