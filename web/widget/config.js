// Widget settings, from the script tag's data-* attributes and/or a global
// object set before the script (window.BrightcartWidget = {...}).
//
//   <script src="https://HOST/widget.js" data-server="https://rasa-origin"
//           data-token="<signed customer token>" data-title="Brightcart help"
//           data-color="#0b5fff" data-cart-value="42.50" async></script>
//
// Attributes win over the global object, so a store can set shared defaults
// in one place and override them on a page.

export const DEFAULTS = Object.freeze({
  server: "",
  token: null,
  title: "Brightcart help",
  color: "#0b5fff",
  cartValue: null,
  socketPath: "/socket.io/",
  // The web app's origin (the waiting banner's API); default: where widget.js came from.
  api: "",
});

// data-* attribute -> setting name.
const ATTRIBUTES = {
  "data-server": "server",
  "data-token": "token",
  "data-title": "title",
  "data-color": "color",
  "data-cart-value": "cartValue",
  "data-socket-path": "socketPath",
  "data-api": "api",
};

function fromScript(script) {
  const found = {};
  if (!script) return found;
  for (const [attr, key] of Object.entries(ATTRIBUTES)) {
    if (script.hasAttribute(attr)) found[key] = script.getAttribute(attr);
  }
  return found;
}

function fromGlobal(value) {
  if (!value || typeof value !== "object") return {};
  const found = {};
  for (const key of Object.keys(DEFAULTS)) {
    if (value[key] !== undefined && value[key] !== null) found[key] = value[key];
  }
  return found;
}

function asCartValue(value) {
  if (value === null || value === undefined || value === "") return null;
  const number = typeof value === "number" ? value : Number.parseFloat(String(value));
  return Number.isFinite(number) && number >= 0 ? number : null;
}

function asServer(value) {
  // The Rasa origin must be an http(s) URL; anything else would make io()
  // guess from the page, which is never what a store means.
  try {
    const url = new URL(String(value), window.location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.origin : "";
  } catch (_err) {
    return "";
  }
}

function scriptOrigin(script) {
  return script && script.src ? asServer(script.src) : "";
}

function asColor(value) {
  const text = String(value).trim();
  // CSS.supports rejects anything that is not a single valid colour, so the
  // value cannot smuggle other declarations into the style.
  return window.CSS && CSS.supports("color", text) ? text : DEFAULTS.color;
}

function asText(value, fallback) {
  const text = typeof value === "string" ? value.trim() : "";
  return text || fallback;
}

/**
 * Read and validate the settings.
 * @param {HTMLScriptElement|null} script the widget's own script tag (document.currentScript)
 * @param {object|undefined} globalConfig window.BrightcartWidget
 * @returns {{server: string, token: string|null, title: string, color: string,
 *            cartValue: number|null, socketPath: string, api: string}}
 */
export function readConfig(script, globalConfig) {
  const raw = { ...DEFAULTS, ...fromGlobal(globalConfig), ...fromScript(script) };
  const path = asText(raw.socketPath, DEFAULTS.socketPath);
  return {
    server: asServer(raw.server),
    token: asText(raw.token, null),
    title: asText(raw.title, DEFAULTS.title),
    color: asColor(raw.color),
    cartValue: asCartValue(raw.cartValue),
    socketPath: path.startsWith("/") ? path : `/${path}`,
    api: (raw.api && asServer(raw.api)) || scriptOrigin(script) || window.location.origin,
  };
}
