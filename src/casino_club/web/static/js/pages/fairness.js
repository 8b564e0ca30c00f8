// Fairness: hashes of the current and the committed next server seed, client seed, nonce; set or
// generate a client seed; rotate (reveals the current seed); verify any round in the browser
// (fair-verify.js, no server call); my rounds with their fairness data.
import { errorText, get, newKey, post, put } from "../api.js";
import { ensureClientSeed } from "../client-seed.js";
import { newClientSeed, verifyRound } from "../fair-verify.js";
import { fmtGold, h } from "../fmt.js";
import { t } from "../i18n.js";

/** The rule tables the server embedded in the page (games/published.py). */
export function publishedRules(doc = document) {
  return JSON.parse(doc.getElementById("fair-rules").textContent);
}

export function mount(root) {
  const err = root.querySelector("#fair-error");
  const ok = root.querySelector("#fair-ok");
  const revealedBox = root.querySelector("#revealed");
  let revealed = [];
  let cursor = null;

  function show(f) {
    root.querySelector("#fair-hash").textContent = f.server_seed_hash;
    root.querySelector("#fair-next-hash").textContent = f.next_server_seed_hash;
    root.querySelector("#fair-client").textContent = f.client_seed;
    root.querySelector("#fair-client-by").textContent = t(f.client_seed_by_player ? "fair.byPlayer" : "fair.byServer");
    root.querySelector("#fair-nonce").textContent = String(f.nonce);
    revealed = f.revealed || revealed;
    revealedBox.replaceChildren(...(revealed.length ? [h("h3", {}, t("fair.revealed")), h("ul", { class: "list" },
      ...revealed.map((r) => h("li", {}, h("code", {}, r.server_seed_hash.slice(0, 12) + "…"), h("code", {}, r.server_seed))))] : []));
  }

  async function load() {
    try { show(await ensureClientSeed()); } catch (e) {
      err.textContent = errorText(e);
      try { show(await get("/fairness")); } catch { /* the error is shown already */ }
    }
  }

  root.querySelector("#client-seed-new").addEventListener("click", () => {
    root.querySelector("#client-seed").value = newClientSeed();
  });

  root.querySelector("#client-seed-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = ""; ok.textContent = "";
    const seed = root.querySelector("#client-seed").value.trim();
    if (!seed) { err.textContent = t("auth.invalidField", { field: t("fair.clientSeed") }); return; }
    try { show(await put("/fairness/client-seed", { client_seed: seed }, { key: newKey() })); ok.textContent = t("fair.saved"); } catch (e) { err.textContent = errorText(e); }
  });

  root.querySelector("#rotate").addEventListener("click", async () => {
    err.textContent = ""; ok.textContent = "";
    try {
      const out = await post("/fairness/rotate", {}, { key: newKey() });
      show(out.current);
      ok.textContent = t("fair.rotated", { seed: out.revealed.server_seed });
      loadRounds();
    } catch (e) { err.textContent = errorText(e); }
  });

  const form = root.querySelector("#verify-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = root.querySelector("#verify-out");
    const verr = root.querySelector("#verify-error");
    verr.textContent = ""; out.textContent = ""; root.querySelector("#verify-summary").textContent = "";
    let params = {};
    const extra = root.querySelector("#v-extra").value.trim();
    if (extra) {
      try { params = JSON.parse(extra); } catch { params = null; }
      if (!params || typeof params !== "object" || Array.isArray(params)) { verr.textContent = t("fair.badJson"); return; }
    }
    try {
      // Computed here with WebCrypto from the published tables: nothing is sent to the server.
      const result = await verifyRound(publishedRules(), root.querySelector("#v-game").value,
        root.querySelector("#v-server").value.trim(), root.querySelector("#v-client").value,
        Number(root.querySelector("#v-nonce").value), params);
      out.textContent = JSON.stringify(result, null, 2);
      const matches = result.hash_matches === undefined ? "" : result.hash_matches ? `✓ ${t("fair.hashOk")}` : `✗ ${t("fair.hashBad")}`;
      const paid = result.payout === undefined || result.payout === null ? "" : `${t("game.payout")} ${fmtGold(result.payout)}`;
      root.querySelector("#verify-summary").textContent = [matches, paid].filter(Boolean).join(" · ");
    } catch (e) { verr.textContent = e.message || String(e); }
  });

  function fill(r) {
    root.querySelector("#v-game").value = r.game;
    root.querySelector("#v-server").value = r.fairness.server_seed || "";
    root.querySelector("#v-client").value = r.fairness.client_seed;
    root.querySelector("#v-nonce").value = String(r.fairness.nonce);
    // The round's own inputs, plus the hash committed before it so the page can show they match.
    const params = { ...(r.params || {}), server_seed_hash: r.fairness.server_seed_hash };
    if (r.game === "crash" && r.outcome?.ended_by === "cashout") params.cashout_multiplier = r.outcome.cashout_multiplier;
    root.querySelector("#v-extra").value = JSON.stringify(params);
    root.querySelector("#v-server").focus();
  }

  async function loadRounds(more = false) {
    const body = root.querySelector("#rounds");
    try {
      const page = await get("/games/history", { limit: 15, cursor: more ? cursor : undefined });
      cursor = page.next_cursor;
      const rows = page.items.map((r) => h("tr", {},
        h("td", {}, t(`game.${r.game}`)), h("td", { class: "num" }, fmtGold(r.stake)), h("td", { class: "num" }, fmtGold(r.payout)),
        h("td", {}, h("code", { title: r.fairness.server_seed_hash }, r.fairness.server_seed_hash.slice(0, 12) + "…")),
        h("td", { class: "num" }, String(r.fairness.nonce)),
        h("td", {}, r.fairness.server_seed ? h("button", { type: "button", class: "btn btn-sm btn-ghost", testid: `verify-round-${r.round_id}`, on: { click: () => fill(r) } }, t("fair.useRound"))
          : h("span", { class: "muted" }, t("fair.notRevealed")))));
      if (more) body.append(...rows); else body.replaceChildren(...rows);
      root.querySelector("#rounds-more").hidden = !cursor;
    } catch (e) { err.textContent = errorText(e); }
  }
  root.querySelector("#rounds-more").addEventListener("click", () => loadRounds(true));
  load();
  loadRounds();
}
