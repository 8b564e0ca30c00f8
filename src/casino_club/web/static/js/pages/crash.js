// Crash: the curve rises live with the server's formula m(t) = e^(rate·t) from the round start the
// server returned (clock offset from server_time), re-anchored by the server's crash_tick frames; cash-out
// shows the current payout; the crash (from the server, pushed or polled) explodes in red. The client never
// decides the outcome.
import { ApiError, errorText, get, newKey, post } from "../api.js";
import { fmtGold, fmtMult, reducedMotion } from "../fmt.js";
import { betBox, busy, outcome, resultsStrip, showOutcome } from "../game.js";
import { seeded } from "../client-seed.js";
import { celebrate } from "../fx.js";
import { t } from "../i18n.js";
import * as realtime from "../realtime.js";
import { refreshBalance, setBalance } from "../store.js";

export function mount(root) {
  const bet = betBox(root, "crash");
  const strip = resultsStrip(root, "crash");
  const betButton = root.querySelector("#crash-bet");
  const cashButton = root.querySelector("#crash-cashout");
  const payoutEl = root.querySelector("#crash-payout");
  const readout = root.querySelector("#crash-readout");
  const banner = root.querySelector("#crash-result");
  const autoInput = root.querySelector("#crash-auto");
  const canvas = root.querySelector("#crash-canvas");
  const ctx = canvas.getContext("2d");
  const css = getComputedStyle(document.documentElement);
  const color = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  const C = { line: color("--line", "#2c3566"), muted: color("--text-muted", "#aeb6dc"), live: color("--cyan", "#2fe3ff"),
    won: color("--ok", "#3ff0a0"), crashed: color("--danger", "#ff5470") };
  let round = null; // {id, stake, startedMs, rate, offset, ended}
  let frame = 0;
  let poll = 0;
  let alive = true;
  strip.load();

  function size() {
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 800;
    const hgt = canvas.clientHeight || 280;
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(hgt * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { w, h: hgt };
  }

  function draw(elapsed, mult, color) {
    const { w, h } = size();
    ctx.clearRect(0, 0, w, h);
    const tMax = Math.max(8, elapsed * 1.15);
    const mMax = Math.max(2, mult * 1.15);
    ctx.strokeStyle = C.line;
    ctx.lineWidth = 1;
    ctx.fillStyle = C.muted;
    ctx.font = "11px system-ui";
    for (let i = 1; i <= 4; i++) {
      const m = 1 + ((mMax - 1) * i) / 4;
      const y = h - 20 - ((m - 1) / (mMax - 1)) * (h - 40);
      ctx.beginPath(); ctx.moveTo(36, y); ctx.lineTo(w - 8, y); ctx.stroke();
      ctx.fillText(`${m.toFixed(1)}×`, 2, y + 4);
    }
    if (!round) return;
    ctx.strokeStyle = color;
    ctx.lineWidth = 4;
    ctx.shadowColor = color;
    ctx.shadowBlur = 14;
    ctx.beginPath();
    const steps = 80;
    for (let i = 0; i <= steps; i++) {
      const tt = (elapsed * i) / steps;
      const m = Math.exp(round.rate * tt);
      const x = 36 + (tt / tMax) * (w - 50);
      const y = h - 20 - ((m - 1) / (mMax - 1)) * (h - 40);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    }
    ctx.stroke();
    ctx.shadowBlur = 0;
  }

  function elapsedNow() {
    return Math.max(0, (Date.now() + round.offset - round.startedMs) / 1000);
  }

  function tick() {
    if (!round || round.ended || !alive) return;
    const el = elapsedNow();
    const m = Math.exp(round.rate * el);
    readout.textContent = fmtMult(m);
    payoutEl.textContent = fmtGold(Math.floor(round.stake * m));
    draw(el, m, C.live);
    frame = requestAnimationFrame(tick);
  }

  function finish(data) {
    if (!round || round.ended || data.round_id !== round.id || data.status === "open") return;
    round.ended = true;
    cancelAnimationFrame(frame);
    clearInterval(poll);
    const out = data.outcome || {};
    const crashPoint = Number(out.crash_point ?? (out.crash_point_x100 ? out.crash_point_x100 / 100 : 1));
    const cashedAt = out.cashout_multiplier ?? (out.auto_cashout_won && out.auto_cashout_x100 ? out.auto_cashout_x100 / 100 : null);
    const won = data.payout > 0;
    const shown = won && cashedAt ? cashedAt : crashPoint;
    const el = Math.log(Math.max(1, shown)) / round.rate;
    readout.classList.remove("crashed", "cashed");
    readout.textContent = fmtMult(shown);
    readout.dataset.state = won ? "cashed" : "crashed";
    readout.classList.add(won ? "cashed" : "crashed");
    draw(el, shown, won ? C.won : C.crashed);
    const o = outcome({ payout: data.payout, stake: data.stake ?? round.stake });
    banner.className = "result-banner";
    banner.dataset.result = won ? "cashed" : "crashed";
    showOutcome(banner, o, data.payout, `${won ? t("crash.cashedAt", { mult: fmtMult(shown), crash: fmtMult(crashPoint) })
      : t("crash.crashed", { crash: fmtMult(crashPoint) })} — ${o.text}`);
    if (o.kind === "win") celebrate(18);
    if (typeof data.balance === "number") setBalance(data);
    else refreshBalance().catch(() => {});
    strip.add({ ...data, stake: data.stake ?? round.stake });
    strip.fair(data);
    cashButton.disabled = true;
    payoutEl.textContent = "–";
    busy([betButton], false);
    round.done?.();
  }

  async function check() {
    if (!round || round.ended) return;
    try {
      finish(await get(`/games/crash/rounds/${round.id}`));
    } catch { /* keep polling */ }
  }

  async function placeBet() {
    const stake = bet.value();
    if (stake === null) return;
    const body = { bet: stake };
    const auto = autoInput.value.trim();
    if (auto) {
      const a = Number(auto);
      if (!Number.isFinite(a) || a < 1.01 || a > 1000) {
        bet.showError(t("crash.autoInvalid"));
        autoInput.focus();
        return;
      }
      body.auto_cashout = Math.round(a * 100) / 100;
    }
    busy([betButton], true);
    banner.textContent = "";
    banner.className = "result-banner";
    delete banner.dataset.kind;
    readout.classList.remove("crashed", "cashed");
    delete readout.dataset.state;
    try {
      await seeded();
      const r = await post("/games/crash/bet", body, { key: newKey() });
      setBalance(r);
      cancelAnimationFrame(frame);
      clearInterval(poll);
      round = {
        id: r.round_id, stake: r.stake, rate: r.growth_rate || 0.06, ended: false,
        startedMs: Date.parse(r.started_at), offset: Date.parse(r.server_time) - Date.now(),
      };
      readout.dataset.roundId = String(r.round_id);
      strip.fair(r);
      if (r.status !== "open") {
        finish(r);
        return;
      }
      cashButton.disabled = false;
      if (reducedMotion()) {
        poll = setInterval(() => { if (round && !round.ended) { const el = elapsedNow(); readout.textContent = fmtMult(Math.exp(round.rate * el)); payoutEl.textContent = fmtGold(Math.floor(round.stake * Math.exp(round.rate * el))); } check(); }, 1000);
      } else {
        frame = requestAnimationFrame(tick);
        poll = setInterval(check, 1000);
      }
    } catch (err) {
      bet.showError(errorText(err));
      busy([betButton], false);
    }
  }

  async function cashOut() {
    if (!round || round.ended) return;
    cashButton.disabled = true;
    const id = round.id;
    try {
      const r = await post("/games/crash/cashout", { round_id: id }, { key: newKey() });
      finish(r);
    } catch (err) {
      if (err instanceof ApiError && err.code === "ROUND_CRASHED") {
        await check();
      } else if (err instanceof ApiError && err.status === 409) {
        await check();
      } else {
        bet.showError(errorText(err));
        if (round && !round.ended) cashButton.disabled = false;
      }
    }
  }

  betButton.addEventListener("click", placeBet);
  cashButton.addEventListener("click", cashOut);
  const off = realtime.on("game_update", (data) => { if (data.game === "crash") finish(data); });
  // Live progress from the server a few times a second: it re-anchors the curve on server time, and a
  // round started in another tab or device shows up here too (cash-out works from any tab).
  const offTick = realtime.on("crash_tick", (data) => {
    if (!alive) return;
    const startedMs = Date.now() - data.elapsed_ms;
    if (round && round.id === data.round_id) {
      // Re-anchor only on real drift: every tick is a few ms late, and a constant nudge would make the curve shake.
      if (!round.ended && Math.abs(elapsedNow() * 1000 - data.elapsed_ms) > 150) { round.startedMs = startedMs; round.offset = 0; }
      return;
    }
    if (round && !round.ended) return;
    round = { id: data.round_id, stake: data.stake, rate: data.growth_rate || 0.06, ended: false, startedMs, offset: 0 };
    readout.dataset.roundId = String(data.round_id);
    banner.textContent = "";
    banner.className = "result-banner";
    readout.classList.remove("crashed", "cashed");
    delete readout.dataset.state;
    cashButton.disabled = false;
    busy([betButton], true);
    cancelAnimationFrame(frame);
    clearInterval(poll);
    if (reducedMotion()) {
      readout.textContent = fmtMult(data.multiplier);
      payoutEl.textContent = fmtGold(data.payout);
    } else {
      frame = requestAnimationFrame(tick);
    }
    poll = setInterval(check, 1000);
  });
  draw(0, 1, C.live);
  bet.guard([betButton]);
  return () => {
    alive = false;
    bet.stop();
    off();
    offTick();
    cancelAnimationFrame(frame);
    clearInterval(poll);
  };
}
