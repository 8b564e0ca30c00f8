import { ApiError, errorText, post, setToken } from "../api.js";
import { t } from "../i18n.js";

// Where to go after logging in: `next` resolved against this page's origin (the way the browser will
// resolve it), accepted only when it stays on this origin. A prefix check is not enough: browsers read
// "/\evil.example" and "/\t/evil.example" as "//evil.example", another host.
export function nextPath(next = new URLSearchParams(location.search).get("next")) {
  if (!next) return "/";
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return "/";
  }
  if (url.origin !== location.origin || (url.protocol !== "http:" && url.protocol !== "https:")) return "/";
  return url.pathname + url.search + url.hash;
}
export function mount(root) {
  const form = root.querySelector("#login-form");
  const error = root.querySelector("#login-error");
  const otpField = root.querySelector("#otp-field");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    const body = { site_id: form.site_id.value.trim(), password: form.password.value };
    if (!body.site_id || !body.password) {
      error.textContent = t("auth.fillAll");
      return;
    }
    if (form.otp.value.trim()) body.otp = form.otp.value.trim();
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    try {
      const out = await post("/auth/login", body, { auth: false });
      setToken(out.access_token, out.expires_in);
      location.href = nextPath();
    } catch (err) {
      if (err instanceof ApiError && /OTP|TOTP/.test(err.code)) otpField.hidden = false;
      error.textContent = errorText(err);
    } finally {
      button.disabled = false;
    }
  });
}
