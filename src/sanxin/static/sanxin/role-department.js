// The role-assignment form: the department select is shown only while the chosen
// role is the one it belongs to (data-for-role on the select, data-role-select on the
// role select). Without JavaScript the select stays visible; the form checks it.
(function () {
  "use strict";
  function wire() {
    var role = document.querySelector("select[data-role-select]");
    if (!role || !role.form) return;
    var selects = role.form.querySelectorAll("select[data-for-role]");
    function update() {
      selects.forEach(function (select) {
        var shown = select.getAttribute("data-for-role") === role.value;
        var label = role.form.querySelector('label[for="' + select.id + '"]');
        select.hidden = !shown;
        if (label) label.hidden = !shown;
        var errors = select.nextElementSibling;
        if (errors && errors.classList.contains("errorlist")) errors.hidden = !shown;
      });
    }
    role.addEventListener("change", update);
    update();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
