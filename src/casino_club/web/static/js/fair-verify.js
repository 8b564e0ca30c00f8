// Provably fair verifier in the browser: WebCrypto HMAC-SHA256 and exact integer (BigInt) arithmetic,
// no server call and no other module, so it also works from a saved copy of the page. `rules` is the
// published rule table the fairness page embeds (games/published.py); docs/fairness.md is the spec.
const SCALE = 2n ** 32n;
const enc = new TextEncoder();

/** SHA-256 hex of a string (the commitment of a server seed). */
export async function sha256Hex(text) {
  return hex(await crypto.subtle.digest("SHA-256", enc.encode(text)));
}

function hex(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

let lastKey = null; // [server seed, CryptoKey]: verifying many rounds of one seed imports it once

async function hmacKey(serverSeed) {
  if (lastKey?.[0] !== serverSeed) {
    lastKey = [serverSeed, await crypto.subtle.importKey("raw", enc.encode(serverSeed), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])];
  }
  return lastKey[1];
}

/** The round's 32-bit words: big-endian 4-byte slices of HMAC(server, "client:nonce:0"), ":1", … */
export async function outcomeWords(serverSeed, clientSeed, nonce, count) {
  const key = await hmacKey(serverSeed);
  const words = [];
  for (let round = 0; words.length < count; round += 1) {
    const view = new DataView(await crypto.subtle.sign("HMAC", key, enc.encode(`${clientSeed}:${nonce}:${round}`)));
    for (let i = 0; i < 32 && words.length < count; i += 4) words.push(view.getUint32(i, false));
  }
  return words;
}

const toFloat = (word) => word / 2 ** 32; // exact in a double
const uniformIndex = (u, n) => Math.min(Math.floor(u * n), n - 1);

function weightedIndex(u, weights) {
  let ticket = uniformIndex(u, weights.reduce((a, b) => a + b, 0));
  for (let i = 0; i < weights.length; i += 1) {
    if (ticket < weights[i]) return i;
    ticket -= weights[i];
  }
  throw new Error("unreachable");
}

/** Provably fair rounding of num/den gold: floor, plus 1 iff word / 2**32 < the fraction. */
export function roundGold(num, den, word) {
  const n = BigInt(num), d = BigInt(den);
  const whole = n / d, rem = n % d;
  return Number(whole + (BigInt(word) * d < rem * SCALE ? 1n : 0n));
}

/** A finite double as an exact fraction [num, den] of BigInts. */
function exactDouble(x) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (exp === 0x7ff) throw new Error("not finite");
  let e = exp - 1075;
  if (exp === 0) e = -1074; else mant |= 1n << 52n;
  return e >= 0 ? [mant << BigInt(e), 1n] : [mant, 1n << BigInt(-e)];
}

/** Exact crash point as a fraction of hundredths [num, den]: clamp(99 * 2**32 / (2**32 - word), 100, 100000). */
function crashRaw(rules, word) {
  const num = BigInt(rules.crash.edge_numerator) * SCALE, den = SCALE - BigInt(word);
  if (num < BigInt(rules.crash.min_x100) * den) return [BigInt(rules.crash.min_x100), 1n];
  if (num > BigInt(rules.crash.max_x100) * den) return [BigInt(rules.crash.max_x100), 1n];
  return [num, den];
}

function slot(rules, words, bet) {
  const s = rules.slot;
  const stops = words.slice(0, 3).map((w) => uniformIndex(toFloat(w), s.strip.length));
  const symbols = stops.map((i) => s.strip[i]);
  const [a, b, c] = symbols;
  let line = "none", lineSymbol = null, mult = 0;
  if (a === b && b === c) { line = "triple"; lineSymbol = a; mult = s.triple_x100[a]; }
  else if (a === b || b === c) { line = "pair"; lineSymbol = b; mult = s.pair_x100[b]; }
  const outcome = { stops, symbols, emojis: symbols.map((x) => s.emoji[x]), line, line_symbol: lineSymbol,
    multiplier_x100: mult, jackpot: line === "triple" && lineSymbol === s.jackpot };
  return { params: { bet }, outcome, payout: roundGold(bet * mult, 100, words[3]) };
}

function rps(rules, words, bet, choice) {
  const r = rules.rps;
  const player = String(choice ?? "").trim().toLowerCase();
  if (!r.choices.includes(player)) throw new Error("choice must be one of rock, paper, scissors");
  const house = r.choices[uniformIndex(toFloat(words[0]), r.choices.length)];
  const result = player === house ? "draw" : r.beats[player] === house ? "win" : "lose";
  const mult = r.result_x100[result];
  return { params: { bet, choice: player }, outcome: { player, house, result, multiplier_x100: mult },
    payout: roundGold(bet * mult, 100, words[1]) };
}

function gacha(rules, words, count, pity) {
  const g = rules.gacha;
  let counter = pity;
  const items = [];
  for (let i = 0; i < count; i += 1) {
    const rolled = g.rarities[weightedIndex(toFloat(words[2 * i]), g.weights)];
    const allCommon = items.every((p) => p.rarity === "common");
    let rarity = rolled, reason = "roll";
    if (rolled !== "legendary" && counter >= g.pity_at - 1) { rarity = "legendary"; reason = "pity"; }
    else if (count === 10 && i === 9 && rolled === "common" && allCommon) { rarity = g.ten_pull_min_rarity; reason = "ten_pull_guarantee"; }
    const pool = g.pool[rarity];
    items.push({ ...pool[uniformIndex(toFloat(words[2 * i + 1]), pool.length)], rolled_rarity: rolled, reason });
    counter = rarity === "legendary" ? 0 : counter + 1;
  }
  const outcome = { items, new_pulls_since_legendary: counter, nominal_value: items.reduce((a, p) => a + p.value, 0) };
  return { params: { count, pulls_since_legendary: pity }, outcome, cost: g.costs[String(count)] };
}

function crash(rules, words, bet, target, cashout) {
  const c = rules.crash;
  const [rn, rd] = crashRaw(rules, words[0]);
  const pointX100 = Number(rn / rd);
  const won = target !== null && pointX100 >= target;
  const point = pointX100 / 100;
  const outcome = { crash_point_x100: pointX100, crash_point: point, auto_cashout_x100: target, auto_cashout_won: won,
    duration_seconds: point <= 1 ? 0 : Math.round((Math.log(point) / c.growth_rate) * 1000) / 1000 };
  let payout = null;
  if (target !== null) payout = won ? roundGold(bet * target, 100, words[1]) : 0;
  else if (cashout !== null) {
    // A manual cash-out at m wins iff m < the exact point rn / (100 rd), and pays bet * m fair-rounded.
    const [mn, md] = exactDouble(cashout);
    payout = mn * 100n * rd < rn * md ? roundGold(BigInt(bet) * mn, md, words[1]) : 0;
  }
  return { params: { bet, auto_cashout_x100: target }, outcome, payout };
}

function intParam(params, key, fallback) {
  const v = params[key];
  if (v === undefined || v === null) return fallback;
  if (!Number.isInteger(v)) throw new Error(`${key} must be an integer`);
  return v;
}

function targetOf(rules, params) {
  let x100 = null;
  if (params.auto_cashout_x100 !== undefined && params.auto_cashout_x100 !== null) x100 = intParam(params, "auto_cashout_x100", 0);
  else if (params.auto_cashout !== undefined && params.auto_cashout !== null) {
    x100 = Math.round(Number(params.auto_cashout) * 100);
    if (!Number.isFinite(x100) || Math.abs(x100 - Number(params.auto_cashout) * 100) > 1e-6) throw new Error("auto_cashout has at most two decimals");
  }
  if (x100 !== null && !(x100 >= rules.crash.min_auto_x100 && x100 <= rules.crash.max_auto_x100)) throw new Error("auto_cashout must be between 1.01 and 1000");
  return x100;
}

/** Recompute a round from its inputs alone, like POST /api/fairness/verify: outcome, payout, commitment check. */
export async function verifyRound(rules, game, serverSeed, clientSeed, nonce, params = {}) {
  if (!serverSeed) throw new Error("server_seed is required");
  if (!Number.isSafeInteger(nonce) || nonce < 0) throw new Error("nonce must be a non-negative integer");
  const bet = intParam(params, "bet", 100);
  const out = { game, server_seed: serverSeed, server_seed_hash: await sha256Hex(serverSeed), client_seed: clientSeed, nonce };
  if (params.server_seed_hash) out.hash_matches = String(params.server_seed_hash).toLowerCase() === out.server_seed_hash;
  let words, body;
  if (game === "slot") { words = await outcomeWords(serverSeed, clientSeed, nonce, rules.floats_needed.slot); body = slot(rules, words, bet); }
  else if (game === "rps") { words = await outcomeWords(serverSeed, clientSeed, nonce, rules.floats_needed.rps); body = rps(rules, words, bet, params.choice); }
  else if (game === "gacha") {
    const count = intParam(params, "count", 1);
    if (count !== 1 && count !== 10) throw new Error("count must be 1 or 10");
    const pity = intParam(params, "pity", intParam(params, "pulls_since_legendary", 0));
    if (pity < 0) throw new Error("pity must be >= 0");
    words = await outcomeWords(serverSeed, clientSeed, nonce, rules.floats_needed.gacha_per_pull * count);
    body = gacha(rules, words, count, pity);
  } else if (game === "crash") {
    const m = params.cashout_multiplier ?? null;
    if (m !== null && !(typeof m === "number" && m >= 1 && m < 1e6)) throw new Error("cashout_multiplier must be a number >= 1");
    words = await outcomeWords(serverSeed, clientSeed, nonce, rules.floats_needed.crash);
    body = crash(rules, words, bet, targetOf(rules, params), m);
  } else throw new Error("game must be one of slot, rps, gacha, crash");
  return { ...out, ...body, floats: words.map(toFloat) };
}

/** A fresh client seed from the browser's CSPRNG (32 hex characters). */
export function newClientSeed() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}
