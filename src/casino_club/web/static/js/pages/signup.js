import { errorText, post, setToken } from "../api.js";
import { t } from "../i18n.js";

export function mount(root) {
  const form = root.querySelector("#signup-form");
  const error = root.querySelector("#signup-error");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    for (const input of form.querySelectorAll("input")) {
      if (!input.checkValidity()) {
        const label = form.querySelector(`label[for="${input.id}"]`);
        error.textContent = t("auth.invalidField", { field: label ? label.textContent : input.name });
        input.focus();
        return;
      }
    }
    const body = { site_id: form.site_id.value.trim(), nickname: form.nickname.value.trim(), password: form.password.value };
    if (form.phone_number.value.trim()) body.phone_number = form.phone_number.value.trim();
    if (form.invite_code.value.trim()) body.invite_code = form.invite_code.value.trim();
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    try {
      const out = await post("/auth/signup", body, { auth: false });
      setToken(out.access_token, out.expires_in);
      location.href = "/";
    } catch (err) {
      error.textContent = errorText(err);
    } finally {
      button.disabled = false;
    }
  });
}
