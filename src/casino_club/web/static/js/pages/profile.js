// Profile: account, nickname edit, VIP daily points, per-game stats (from the store, i.e. the
// server's /games/stats/me), active sessions, logout / logout-all, gold ledger.
import { del, errorText, get, newKey, post, put, setToken } from "../api.js";
import { fmtGold, fmtTime, h } from "../fmt.js";
import { reasonLabel, t } from "../i18n.js";
import { confirmDialog } from "../dialog.js";
import { refreshStats, setProfile, subscribe } from "../store.js";
import { repaintGold } from "../shell.js";

const GAMES = ["slot", "rps", "gacha", "crash"];

function statRow(name, s, testid) {
  return h("tr", { testid, dataset: { rounds: s.rounds, net: s.net } },
    h("th", { scope: "row" }, name),
    ...[s.rounds, s.wins, s.losses, s.ties, s.wagered, s.won, s.net, s.biggest_win].map((v, i) =>
      h("td", { class: "num", dataset: { col: ["rounds", "wins", "losses", "ties", "wagered", "won", "net", "biggest_win"][i] } }, fmtGold(v))));
}

export function mount(root) {
  repaintGold();
  const nickForm = root.querySelector("#nick-form");
  const nickInput = root.querySelector("#nick-input");
  const unsub = subscribe((s) => {
    const p = s.profile;
    if (p) {
      root.querySelector("#prof-site-id").textContent = p.site_id;
      root.querySelector("#prof-nickname").textContent = p.nickname;
      root.querySelector("#prof-rank").textContent = p.rank;
      root.querySelector("#prof-level").textContent = String(s.level ?? p.level);
      root.querySelector("#prof-vip").textContent = fmtGold(p.vip_points);
    }
    const body = root.querySelector("#stats-body");
    if (!s.stats) {
      body.replaceChildren(h("tr", {}, h("td", { colspan: 9, class: "muted" }, t("profile.noStats"))));
      return;
    }
    const empty = { rounds: 0, wins: 0, losses: 0, ties: 0, wagered: 0, won: 0, net: 0, biggest_win: 0 };
    body.replaceChildren(...GAMES.map((g) => statRow(t(`game.${g}`), s.stats.games[g] || empty, `stats-${g}`)),
      statRow(t("profile.total"), s.stats.totals, "stats-total"));
  });
  refreshStats();

  nickForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const err = root.querySelector("#nick-error");
    const ok = root.querySelector("#nick-ok");
    err.textContent = "";
    ok.textContent = "";
    const nickname = nickInput.value.trim();
    if (nickname.length < 2 || nickname.length > 50) {
      err.textContent = t("auth.invalidField", { field: t("auth.nickname") });
      return;
    }
    try {
      setProfile(await put("/auth/me", { nickname }, { key: newKey() }));
      ok.textContent = t("profile.nickSaved");
      nickInput.value = "";
    } catch (e) {
      err.textContent = errorText(e);
    }
  });

  async function loadVip() {
    try {
      const v = await get("/vip/status");
      const next = v.next_rank ? t("profile.vipNext", { rank: v.next_rank, n: fmtGold(v.points_to_next) }) : "";
      root.querySelector("#vip-status").textContent = t("profile.vipStatus", { rank: v.rank, points: fmtGold(v.vip_points), next });
      root.querySelector("#vip-claim").disabled = v.claimed_today;
    } catch (e) {
      root.querySelector("#vip-status").textContent = t("common.unavailable");
    }
  }
  root.querySelector("#vip-claim").addEventListener("click", async () => {
    const err = root.querySelector("#vip-error");
    const ok = root.querySelector("#vip-ok");
    err.textContent = "";
    try {
      const out = await post("/vip/claim", {}, { key: newKey() });
      ok.textContent = out.idempotent ? t("profile.vipAlready") : t("profile.vipClaimed", { n: out.points_added });
      setProfile({ vip_points: out.vip_points, rank: out.rank });
      loadVip();
    } catch (e) {
      err.textContent = errorText(e);
    }
  });

  async function loadSessions() {
    const list = root.querySelector("#sessions");
    try {
      const rows = await get("/auth/sessions");
      // "Chrome on Linux · 127.0.0.1 · last seen …": the server's parsed device label, never the raw user agent
      list.replaceChildren(...rows.map((s) => h("li", { dataset: { sessionId: s.id }, testid: "session-row" },
        h("span", { class: "session-label", title: s.user_agent || "" },
          h("span", { testid: "session-device" }, [s.device || t("profile.unknownDevice"), s.ip].filter(Boolean).join(" · ")),
          h("span", { class: "muted" }, ` · ${t("profile.lastSeen", { time: fmtTime(s.last_used_at) })}`),
          s.current ? h("span", { class: "pill ok" }, t("profile.current")) : ""),
        h("span", { class: "row" },
          s.current ? "" : h("button", { type: "button", class: "btn btn-sm btn-ghost", "aria-label": `${t("profile.endSession")} ${s.id.slice(0, 8)}`,
            on: { click: async () => { await del(`/auth/sessions/${s.id}`).catch((e) => { root.querySelector("#sessions-error").textContent = errorText(e); }); loadSessions(); } } }, t("profile.endSession"))))));
    } catch (e) {
      root.querySelector("#sessions-error").textContent = errorText(e);
    }
  }

  async function leave(path) {
    try {
      await post(path, {}, { key: newKey() });
    } finally {
      setToken(null);
      location.href = "/login";
    }
  }
  root.querySelector("#logout").addEventListener("click", () => leave("/auth/logout"));
  root.querySelector("#logout-all").addEventListener("click", () => {
    confirmDialog(t("profile.logoutAllConfirm")).then((yes) => { if (yes) leave("/auth/logout-all"); });
  });

  async function loadLedger() {
    const list = root.querySelector("#ledger");
    try {
      const [page, balance] = await Promise.all([get("/wallet/transactions", { limit: 15 }), get("/users/balance")]);
      const owed = root.querySelector("#owed");
      owed.hidden = !(balance.owed > 0);
      owed.textContent = balance.owed > 0 ? t("profile.owed", { gold: fmtGold(balance.owed) }) : "";
      list.replaceChildren(...page.items.map((l) => h("li", {},
        h("span", {}, `${reasonLabel(l.reason)}${l.memo ? ` · ${l.memo}` : ""}`),
        h("span", { class: `num ${l.amount >= 0 ? "ok-msg" : ""}` }, `${l.amount >= 0 ? "+" : ""}${fmtGold(l.amount)} → ${fmtGold(l.balance_after)}`))));
    } catch (e) {
      list.replaceChildren(h("li", { class: "muted" }, errorText(e)));
    }
  }

  // Admins enrol TOTP here: admin endpoints refuse to work without it outside development.
  const totpCard = root.querySelector("#totp-card");
  const totpErr = root.querySelector("#totp-error");
  const unsubTotp = subscribe((st) => {
    const p = st.profile;
    totpCard.hidden = !p || p.role !== "admin";
    if (p && p.totp_enabled) {
      root.querySelector("#totp-status").textContent = t("totp.enabled");
      root.querySelector("#totp-start").hidden = true;
    }
  });
  root.querySelector("#totp-start").addEventListener("click", async () => {
    totpErr.textContent = "";
    try {
      const out = await post("/auth/totp/enroll", {}, { key: newKey() });
      root.querySelector("#totp-secret").textContent = out.secret;
      root.querySelector("#totp-uri").textContent = out.otpauth_uri;
      root.querySelector("#totp-qr").src = out.qr_svg;
      root.querySelector("#totp-enrol").hidden = false;
      root.querySelector("#totp-code").focus();
    } catch (e) { totpErr.textContent = errorText(e); }
  });
  root.querySelector("#totp-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    totpErr.textContent = "";
    const code = root.querySelector("#totp-code").value.trim();
    if (!/^\d{6}$/.test(code)) { totpErr.textContent = t("auth.invalidField", { field: t("totp.code") }); return; }
    try {
      await post("/auth/totp/confirm", { code }, { key: newKey() });
      root.querySelector("#totp-enrol").hidden = true;
      root.querySelector("#totp-ok").textContent = t("totp.done");
      setProfile({ totp_enabled: true });
    } catch (e) { totpErr.textContent = errorText(e); }
  });

  loadVip();
  loadSessions();
  loadLedger();
  return () => { unsub(); unsubTotp(); };
}
