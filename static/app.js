// Rapport's small amount of JavaScript: keyboard shortcuts, inline-editor keys, upload progress,
// visible messages when an htmx request fails, hiding revealed secrets again, and copy buttons.
// Everything also works without it.
(function () {
  "use strict";

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function toast(text, kind) {
    var area = document.getElementById("toasts");
    if (!area) return;
    var node = document.createElement("div");
    node.className = "toast " + (kind || "toast-error");
    node.setAttribute("role", "alert");
    node.textContent = text;
    area.appendChild(node);
    setTimeout(function () { node.remove(); }, 8000);
  }

  document.addEventListener("keydown", function (event) {
    // Inline editors: Escape cancels; Enter (Ctrl/Cmd+Enter in a textarea) saves.
    var editor = event.target.closest && event.target.closest(".inline-editor");
    if (editor) {
      if (event.key === "Escape") {
        var cancel = editor.querySelector("[data-cancel]");
        if (cancel) { event.preventDefault(); cancel.click(); }
      } else if (event.key === "Enter" && event.target.tagName.toLowerCase() === "textarea" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        editor.requestSubmit();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    if (event.key === "/") {
      var search = document.getElementById("q");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (event.key === "n") {
      var create = document.querySelector("[data-shortcut='n']");
      if (create) { event.preventDefault(); create.click(); }
    }
  });

  // Toasts fade by themselves.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#toasts .toast").forEach(function (node) {
      setTimeout(function () { node.remove(); }, 8000);
    });
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "toasts") {
      var last = event.detail.target.lastElementChild;
      if (last) setTimeout(function () { last.remove(); }, 8000);
    }
  });

  // Revealed secrets (data-hide-after="30"): after that many seconds the value is removed
  // from the page, replaced by a short notice.
  function scheduleHiding(root) {
    if (!root || !root.querySelectorAll) return;
    var nodes = Array.prototype.slice.call(root.querySelectorAll("[data-hide-after]"));
    if (root.matches && root.matches("[data-hide-after]")) nodes.push(root);
    nodes.forEach(function (node) {
      if (node.hasAttribute("data-hide-scheduled")) return;
      node.setAttribute("data-hide-scheduled", "");
      var seconds = parseInt(node.getAttribute("data-hide-after"), 10);
      if (!(seconds > 0)) seconds = 30;
      setTimeout(function () {
        if (!node.isConnected) return;
        var notice = document.createElement("p");
        notice.className = "muted secret-hidden";
        notice.textContent = node.getAttribute("data-hidden-text") || "Hidden.";
        node.replaceWith(notice);
      }, seconds * 1000);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { scheduleHiding(document); });
  document.addEventListener("htmx:load", function (event) { scheduleHiding(event.target); });
  // Space uploads: a progress bar while htmx sends the files, and the per-file limit checked
  // before anything is sent (the server checks it again). Without JavaScript the form is a
  // plain multipart post.
  function uploadForm(node) {
    return node && node.closest ? node.closest("form[data-upload]") : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = uploadForm(event.target);
    if (!form) return;
    var bar = form.querySelector("progress");
    if (bar) { bar.value = 0; bar.hidden = false; }
    form.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = uploadForm(event.target);
    var detail = event.detail;
    if (!form || !detail.lengthComputable || !detail.total) return;
    var bar = form.querySelector("progress");
    if (bar) bar.value = Math.round(detail.loaded * 100 / detail.total);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = uploadForm(event.target);
    if (!form) return;
    form.removeAttribute("aria-busy");
    // After a successful upload the page reloads (HX-Redirect); keep the full bar until then.
    var xhr = event.detail.xhr;
    var leaving = xhr && xhr.getResponseHeader("HX-Redirect");
    var bar = form.querySelector("progress");
    if (bar && !leaving) bar.hidden = true;
  });
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type='file'][data-max-bytes]")) return;
    var max = Number(input.getAttribute("data-max-bytes"));
    var tooLarge = Array.prototype.filter.call(input.files || [], function (file) {
      return file.size > max;
    }).map(function (file) { return file.name; });
    input.setCustomValidity(tooLarge.length
      ? "Larger than the " + input.getAttribute("data-limit-label") + " limit for one file: " + tooLarge.join(", ")
      : "");
    if (tooLarge.length) input.reportValidity();
  });

  // The import's mapping screen: a column's meta key box shows only while its select says
  // "Meta key…" (without JavaScript both stay visible; the box is then used only for that).
  function syncMetaKey(select) {
    var box = select.parentNode && select.parentNode.querySelector(".mapping-meta-key");
    if (box) box.hidden = select.value !== "meta-key";
  }
  function syncMetaKeys(root) {
    if (!root || !root.querySelectorAll) return;
    Array.prototype.forEach.call(root.querySelectorAll("select.mapping-target"), syncMetaKey);
  }
  document.addEventListener("DOMContentLoaded", function () { syncMetaKeys(document); });
  document.addEventListener("htmx:load", function (event) { syncMetaKeys(event.target); });
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select.mapping-target")) {
      syncMetaKey(select);
      if (select.value === "meta-key") {
        var input = select.parentNode.querySelector(".mapping-meta-key input");
        if (input) input.focus();
      }
    }
  });

  // Copy buttons (data-copy="<element id>"): shown only with JavaScript, they put the
  // element's text on the clipboard, exactly as shown. Where the Clipboard API is missing
  // (pages served over plain http from another host) the text is selected and copied the
  // old way.
  function showCopyButtons(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (document.getElementById(button.getAttribute("data-copy"))) button.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { showCopyButtons(document); });
  document.addEventListener("htmx:load", function (event) { showCopyButtons(event.target); });
  function copied(button) {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-copied-text") || "Copied";
    setTimeout(function () { button.textContent = label; }, 2000);
  }
  function copyBySelection(source) {
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
    return ok;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button); }, function () {
        if (copyBySelection(source)) copied(button);
        else toast("Copying was refused by the browser; the text is selected, press Ctrl+C.");
      });
    } else if (copyBySelection(source)) {
      copied(button);
    } else {
      toast("Copying was refused by the browser; the text is selected, press Ctrl+C.");
    }
  });

  // The server answers failed requests with a toast; these cover what never reached it.
  document.addEventListener("htmx:sendError", function () {
    toast("The server could not be reached. Check your connection and try again.");
  });
  document.addEventListener("htmx:timeout", function () {
    toast("The server took too long to answer. Try again.");
  });
})();
