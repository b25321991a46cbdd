/* Sanxin's page behaviour, driven by data- attributes (the Content-Security-Policy
   allows no inline script or event handler; see docs/deploy.md):
     <button data-print>                      prints the page
     <form data-submit-once>                  disables its submit button for 8 s once sent
     <button data-check="NAME" data-checked="true|false">
                                              ticks or clears the form's NAME checkboxes
     <form data-count-checked="NAME">         shows how many NAME boxes are ticked in
                                              its .selected-count output */
(function () {
  "use strict";

  function countChecked(form) {
    var name = form.getAttribute("data-count-checked");
    var output = form.querySelector(".selected-count output");
    if (name && output) {
      output.textContent = form.querySelectorAll('input[name="' + name + '"]:checked').length;
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest("[data-print]")) {
      window.print();
      return;
    }
    var button = target.closest("button[data-check]");
    if (button && button.form) {
      var checked = button.getAttribute("data-checked") === "true";
      var name = button.getAttribute("data-check");
      button.form.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
        box.checked = checked;
      });
      button.form.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  document.addEventListener("change", function (event) {
    var form = event.target instanceof Element ? event.target.closest("form[data-count-checked]") : null;
    if (form) countChecked(form);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) return;
    var submit = form.querySelector("button[type=submit]");
    if (submit) {
      // After the browser has taken the button's name/value for the request.
      setTimeout(function () { submit.disabled = true; }, 0);
      setTimeout(function () { submit.disabled = false; }, 8000);
    }
  });
})();
