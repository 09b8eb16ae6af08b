// idstream admin: small progressive enhancements. Every page works without this file,
// except the live parts (test results inline, status refresh, event stream).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // The menu button on narrow screens.
    var toggle = document.querySelector(".menu-toggle");
    var nav = document.getElementById("nav");
    if (toggle && nav) {
      toggle.addEventListener("click", function () {
        var open = nav.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }

    // Destructive forms ask first.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });

    // A button that posts its form somewhere else and shows the answer inline
    // ("Send test event", webhook "Test"): the form is not saved.
    document.querySelectorAll("button[data-post]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var target = document.querySelector(button.getAttribute("data-target"));
        var body = new FormData(button.form);
        button.disabled = true;
        target.setAttribute("aria-busy", "true");
        target.innerHTML = '<p class="muted">Working…</p>';
        fetch(button.getAttribute("data-post"), {
          method: "POST",
          body: body,
          headers: { "X-CSRF-Token": csrfToken() },
          credentials: "same-origin",
        })
          .then(function (response) { return response.text(); })
          .then(function (html) { target.innerHTML = html; })
          .catch(function () {
            target.innerHTML = '<p class="error-message">The server could not be reached.</p>';
          })
          .finally(function () {
            button.disabled = false;
            target.removeAttribute("aria-busy");
            target.focus();
          });
      });
    });

    // Panels that refresh themselves (Kafka status).
    document.querySelectorAll("[data-refresh-url]").forEach(function (panel) {
      var seconds = parseFloat(panel.getAttribute("data-refresh-seconds") || "5");
      var refresh = function () {
        fetch(panel.getAttribute("data-refresh-url"), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.text() : null; })
          .then(function (html) { if (html !== null) panel.innerHTML = html; })
          .catch(function () {})
          .finally(function () { window.setTimeout(refresh, seconds * 1000); });
      };
      window.setTimeout(refresh, seconds * 1000);
    });

    // The event stream: server-sent events, newest first.
    var stream = document.querySelector("[data-stream-url]");
    if (stream && window.EventSource) {
      var list = stream.querySelector("ol, ul");
      var state = document.getElementById("stream-state");
      var source = new EventSource(stream.getAttribute("data-stream-url"));
      source.addEventListener("open", function () { if (state) state.textContent = "Live"; });
      var pending = null;
      source.addEventListener("error", function () {
        // Each response ends after a while and the browser reconnects at once: only a
        // reconnection that takes long is worth showing.
        window.clearTimeout(pending);
        pending = window.setTimeout(function () {
          if (!state) return;
          if (source.readyState === 2) state.textContent = "Disconnected: reload the page";
          else if (source.readyState !== 1) state.textContent = "Reconnecting…";
        }, 3000);
      });
      source.addEventListener("stored-event", function (message) {
        var data = JSON.parse(message.data);
        var item = document.createElement("li");
        item.setAttribute("data-sequence", data.sequence);
        item.setAttribute("data-type", data.type);
        var meta = document.createElement("div");
        meta.className = "meta";
        [["#" + data.sequence, "mono"], [data.type, "badge"], [data.time, "muted"]].forEach(function (part) {
          var span = document.createElement("span");
          span.className = part[1];
          span.textContent = part[0];
          meta.appendChild(span);
        });
        var pre = document.createElement("pre");
        pre.textContent = data.json;
        item.appendChild(meta);
        item.appendChild(pre);
        list.insertBefore(item, list.firstChild);
        while (list.children.length > 200) list.removeChild(list.lastChild);
        var empty = document.getElementById("stream-empty");
        if (empty) empty.remove();
      });
    }
  });
})();
