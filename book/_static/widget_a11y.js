// Accessible names for what the widget manager renders from a notebook's saved widget state
// (@jupyter-widgets/html-manager draws ipywidgets 8's sliders with noUiSlider, whose handle has
// role="slider" but no name, and an Image widget as an <img> without alt):
// * a slider handle is named by its widget's own description label (aria-labelledby), the text a
//   sighted reader sees beside it; without one, by the widget's tooltip;
// * a widget's image gets the alt text the build put on the cell's note (data-figure-alt, from the
//   widget cell's "alt_text" metadata), or a sentence saying what it is and where its twin is.
// The widgets render after the page has loaded, so this watches the page and names what appears.
(function () {
  "use strict";
  var GENERIC_ALT = "The figure this slider drew for its saved setting; it redraws only in JupyterLab. " +
    "The static figure with the same lesson, and its description, are on this page.";
  var counter = 0;

  function nameSlider(handle) {
    if (handle.getAttribute("aria-label") || handle.getAttribute("aria-labelledby")) { return; }
    var widget = handle.closest(".widget-slider, .jupyter-widgets.widget-inline-hbox, .jupyter-widgets");
    var label = widget && widget.querySelector(".widget-label");
    if (label && label.textContent.trim()) {
      if (!label.id) { label.id = "widget-label-" + (++counter); }
      handle.setAttribute("aria-labelledby", label.id);
    } else {
      var tip = widget && (widget.getAttribute("title") || "");
      handle.setAttribute("aria-label", tip.trim() || "slider");
    }
  }

  function describeImage(img) {
    if (img.hasAttribute("alt")) { return; }
    var cell = img.closest(".cell");
    var note = cell && cell.querySelector("[data-figure-alt]");
    img.setAttribute("alt", note ? note.getAttribute("data-figure-alt") : GENERIC_ALT);
  }

  function update() {
    document.querySelectorAll("[role='slider']").forEach(nameSlider);
    document.querySelectorAll(".jupyter-widgets img, img.widget-image").forEach(describeImage);
  }

  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; update(); });
  }

  function start() {
    update();
    new MutationObserver(schedule).observe(document.body, { subtree: true, childList: true });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
