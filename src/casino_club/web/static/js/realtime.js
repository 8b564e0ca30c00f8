// Realtime client for /api/realtime/sync: one socket per tab, exponential backoff with full jitter,
// resume from the last seq, duplicates dropped by event id, re-hydration on resync_required, and a
// status (live · reconnecting in N s · paused · off: reason) that the header shows.
import { freshToken, refreshToken } from "./api.js";
import { onFailure } from "./net.js";

const BASE_MS = 500;
const CAP_MS = 30000;
const HEALTHY_MS = 10000; // the backoff resets only after a socket stayed up this long
const HIDDEN_IDLE_MS = 60000; // a hidden tab with no event for this long lets its socket go
const FORBIDDEN = 4403;
const UNAUTHORIZED = 4401;

const listeners = new Map(); // type -> Set(fn)
const statusListeners = new Set();
const seenIds = new Set();
const seenOrder = [];
let socket = null;
let lastSeq = null; // null until the first snapshot: 0 is a real position (no events yet)
let attempt = 0;
let timer = null;
let healthyTimer = null;
let hiddenTimer = null;
let lastEventAt = 0;
let refreshedOnce = false; // a 4401 since the last healthy socket already got its one token refresh
let stopped = false; // a policy close: no more attempts until the page reloads (or the player asks)
let started = false;
let onResync = null;
let status = { state: "connecting" };

export function on(type, fn) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(fn);
  return () => listeners.get(type)?.delete(fn);
}

/** Status listeners get {state: connecting|live|retrying|paused|off, retryAt?, reason?}. */
export function onStatus(fn) {
  statusListeners.add(fn);
  fn(status);
  return () => statusListeners.delete(fn);
}

export function getStatus() {
  return status;
}

function setStatus(next) {
  status = next;
  document.body.dataset.realtime = next.state === "live" ? "on" : "off";
  document.body.dataset.realtimeState = next.state;
  for (const fn of statusListeners) {
    try { fn(next); } catch (err) { console.error(err); }
  }
}

function dispatch(env) {
  for (const fn of listeners.get(env.type) || []) {
    try { fn(env.data || {}, env); } catch (err) { console.error(err); }
  }
}

function remember(id) {
  if (!id) return true;
  if (seenIds.has(id)) return false;
  seenIds.add(id);
  seenOrder.push(id);
  if (seenOrder.length > 2000) seenIds.delete(seenOrder.shift());
  return true;
}

let resyncing = false;

function handle(env) {
  if (!env || typeof env !== "object") return;
  if (env.seq === null || env.seq === undefined) {
    // Control frames: sync_connected, snapshot, resumed, resync_required, pong, error, crash_tick.
    if (env.type === "sync_connected") {
      setStatus({ state: "live" });
      clearTimeout(healthyTimer);
      healthyTimer = setTimeout(() => { attempt = 0; refreshedOnce = false; }, HEALTHY_MS);
    } else if (env.type === "snapshot") {
      // First connection (or after resync_required): continue from the snapshot's seq. On a plain
      // reconnect we keep our own last_seq so the resume replays what we missed (with its toasts).
      if ((lastSeq === null || resyncing) && typeof env.data?.seq === "number") lastSeq = env.data.seq;
      resyncing = false;
    } else if (env.type === "resync_required") {
      resyncing = true;
      if (onResync) onResync();
    } else if (env.type === "crash_tick") {
      lastEventAt = Date.now(); // a live round is activity: the hidden tab keeps its socket
    }
    dispatch(env);
    return;
  }
  lastEventAt = Date.now();
  const first = typeof env.coalesced_from === "number" ? env.coalesced_from : env.seq;
  if ((lastSeq !== null && env.seq <= lastSeq) || !remember(env.id)) return; // already applied (replayed after resume)
  if (lastSeq !== null && first > lastSeq + 1 && socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ type: "resume", last_seq: lastSeq })); // a gap: ask for the missing events
    seenIds.delete(env.id);
    return;
  }
  lastSeq = env.seq;
  dispatch(env);
}

let opening = false;

async function open() {
  if (socket || opening || stopped) return;
  if (document.hidden) {
    setStatus({ state: "paused" }); // reconnects when the tab is shown again
    return;
  }
  opening = true;
  setStatus({ state: "connecting" });
  let token;
  try {
    token = await freshToken();
  } catch {
    opening = false;
    schedule();
    return;
  }
  opening = false;
  if (socket || stopped) return;
  const proto = location.protocol === "https:" ? "wss" : "ws";
  // The token rides in Sec-WebSocket-Protocol (bearer, <token>): out of URLs and access logs.
  const ws = new WebSocket(`${proto}://${location.host}/api/realtime/sync`, ["bearer", token]);
  socket = ws;
  ws.addEventListener("open", () => {
    if (lastSeq !== null) ws.send(JSON.stringify({ type: "resume", last_seq: lastSeq }));
  });
  ws.addEventListener("message", (msg) => {
    let env;
    try { env = JSON.parse(msg.data); } catch { return; }
    if (env && env.type === "ping") {
      ws.send(JSON.stringify({ type: "pong" }));
      return;
    }
    handle(env);
  });
  ws.addEventListener("close", (ev) => closed(ws, ev));
}

async function closed(ws, ev) {
  if (socket !== ws) return;
  socket = null;
  clearTimeout(healthyTimer);
  if (ev.code === FORBIDDEN) {
    stop(ev.reason === "origin not allowed" ? "origin" : "forbidden");
    return;
  }
  if (ev.code === UNAUTHORIZED) {
    if (refreshedOnce) {
      stop("signedOut"); // a fresh token was refused too: retrying cannot help
      return;
    }
    refreshedOnce = true;
    try {
      await refreshToken();
    } catch {
      stop("signedOut");
      return;
    }
  }
  if (ev.code === 1000 && ev.reason === "hidden") {
    setStatus({ state: "paused" });
    return;
  }
  schedule();
}

function stop(reason) {
  stopped = true;
  clearTimeout(timer);
  timer = null;
  setStatus({ state: "off", reason });
}

function schedule() {
  if (timer || stopped) return;
  // Full jitter: anywhere in [0, min(cap, base·2^attempt)], so tabs that lost the server together
  // do not come back together.
  const ceiling = Math.min(CAP_MS, BASE_MS * 2 ** attempt);
  const delay = Math.round(Math.random() * ceiling);
  attempt += 1;
  setStatus({ state: "retrying", retryAt: Date.now() + delay });
  timer = setTimeout(() => { timer = null; open(); }, delay);
}

/** Try now (the player pressed the indicator, the network came back, the tab became visible). */
export function reconnectNow() {
  if (socket || opening) return;
  stopped = false;
  clearTimeout(timer);
  timer = null;
  open();
}

function onVisibility() {
  clearTimeout(hiddenTimer);
  if (!document.hidden) {
    if (!socket && !stopped && (status.state === "paused" || timer)) reconnectNow();
    return;
  }
  const check = () => {
    if (!document.hidden || !socket) return;
    const idleFor = Date.now() - lastEventAt;
    if (idleFor >= HIDDEN_IDLE_MS) socket.close(1000, "hidden");
    else hiddenTimer = setTimeout(check, HIDDEN_IDLE_MS - idleFor);
  };
  hiddenTimer = setTimeout(check, HIDDEN_IDLE_MS);
}

export function connect(resyncHandler) {
  onResync = resyncHandler;
  if (started) return; // one socket per tab, whatever calls this
  started = true;
  lastEventAt = Date.now();
  open();
  window.addEventListener("online", () => {
    attempt = 0;
    if (!stopped) reconnectNow();
  });
  document.addEventListener("visibilitychange", onVisibility);
  onFailure((info) => { if (info.kind === "retry") { attempt = 0; reconnectNow(); } }); // the banner's Retry
}
