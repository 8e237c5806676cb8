// digestlake site: small enhancements only; every page reads without this script.
"use strict";
(function () {
  // "/" moves the focus to the search field (unless one is typing somewhere already).
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (event.key !== "/" || typing || event.ctrlKey || event.metaKey || event.altKey) return;
    var field = document.querySelector("[data-shortcut='/']");
    if (field) {
      event.preventDefault();
      field.focus();
    }
  });

  function copyText(pre, button) {
    var text = pre.textContent;
    function done(ok) {
      button.textContent = ok ? "Copied" : "Select and copy";
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(pre);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    done(ok);
  }

  // A copy button for each citation block.
  document.querySelectorAll("pre.copy").forEach(function (pre) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    var label = pre.getAttribute("aria-labelledby");
    var heading = label && document.getElementById(label);
    button.setAttribute("aria-label", "Copy " + (heading ? heading.textContent : "citation"));
    button.addEventListener("click", function () { copyText(pre, button); });
    pre.parentNode.insertBefore(button, pre);
  });
})();
