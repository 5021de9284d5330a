// MIRA portal behaviour: Copy buttons and the "Add to Clio" authorization popup.
(function () {
  "use strict";

  var POPUP_NAME = "clio_authorize";
  var POPUP_FEATURES = "width=560,height=720";
  var MESSAGE_TYPE = "mira:clio-connection";
  var popupWatcher = null;

  // Copy the value of the element named by data-copy-target into the clipboard.
  function copyFrom(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) { return; }
    var text = target.value !== undefined ? target.value : target.textContent.trim();
    var done = function () {
      var original = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", original);
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = original; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(target); });
      return;
    }
    // Plain-http origins (a local demo) have no Clipboard API, so fall back to the selection.
    selectText(target);
    try { document.execCommand("copy"); done(); } catch (err) { /* the text stays selected */ }
  }

  function selectText(target) {
    if (target.select) { target.select(); return; }
    var range = document.createRange();
    range.selectNodeContents(target);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // Reload the Clio module from its partial URL, so the page shows the connection's new state.
  function refreshClioModule() {
    var module = document.getElementById("clio-module");
    if (!module || !window.htmx) { return; }
    window.htmx.ajax("GET", module.getAttribute("data-refresh-url"), {target: "#clio-module", swap: "outerHTML"});
  }

  // Watch the popup: when the admin closes it, refresh the module once.
  function watchPopup(popup) {
    if (popupWatcher) { clearInterval(popupWatcher); }
    popupWatcher = setInterval(function () {
      if (!popup || popup.closed) {
        clearInterval(popupWatcher);
        popupWatcher = null;
        refreshClioModule();
      }
    }, 700);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (button) {
      event.preventDefault();
      copyFrom(button);
    }
  });

  // The popup opens inside the submit event, which still counts as the admin's click, so popup
  // blockers allow it. The form's target then loads the POST response into that window.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-clio-popup]")) { return; }
    var popup = window.open("", POPUP_NAME, POPUP_FEATURES);
    if (popup) {
      popup.focus();
      watchPopup(popup);
    }
  });

  // Point the developer-portal link at the region the admin picks.
  document.addEventListener("change", function (event) {
    if (event.target.id !== "id_region") { return; }
    var option = event.target.selectedOptions[0];
    var link = document.getElementById("developer-portal-link");
    if (option && link && option.getAttribute("data-portal-url")) {
      link.href = option.getAttribute("data-portal-url");
    }
  });

  // Keep the instructions' app name in step with the App name field.
  document.addEventListener("input", function (event) {
    if (event.target.id !== "id_app_name") { return; }
    var shown = document.getElementById("instruction-app-name");
    if (shown) { shown.textContent = event.target.value.trim() || "MIRALink"; }
  });

  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin) { return; }
    if (!event.data || event.data.type !== MESSAGE_TYPE) { return; }
    refreshClioModule();
  });

  window.miraRefreshClioModule = refreshClioModule;
})();
