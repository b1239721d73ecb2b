// Brightcart chat widget: one script tag on any page of a store.
//
//   <script src="https://HOST/widget.js" data-server="https://rasa-origin"
//           data-token="<signed customer token, optional>" data-title="Brightcart help"
//           data-color="#0b5fff" data-cart-value="42.50" async></script>
//
// or window.BrightcartWidget = {server, token, title, color, cartValue, socketPath}
// set before the script. Everything (code and CSS) is in this one bundle.
import { readConfig } from "./config.js";
import { Widget } from "./widget.js";

(() => {
  // Read while this script runs: currentScript is null once it has finished
  // (and in some tag managers' wrappers, hence the fallback by attribute).
  const script = document.currentScript || document.querySelector("script[data-server]");
  // Included twice (a theme and an app both add it): the first one wins.
  if (window.__brightcartWidgetLoaded) return;
  window.__brightcartWidgetLoaded = true;
  const config = readConfig(script, window.BrightcartWidget);
  if (!config.server) {
    console.error("Brightcart widget: set data-server to the Rasa server's http(s) URL");
    return;
  }
  const start = () => new Widget(config).mount(document.body);
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
