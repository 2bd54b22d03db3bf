// Progressive enhancement only: the "copy citation" buttons. Without JS the citation stays
// plain selectable text and the buttons stay hidden.
(function () {
  function copy(text, node) {
    // navigator.clipboard needs a secure context; plain-HTTP intranets fall back to a selection.
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var range = document.createRange();
    range.selectNodeContents(node);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    var ok = document.execCommand && document.execCommand("copy");
    return ok ? Promise.resolve() : Promise.reject();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.dataset.copy);
      if (!source) return;
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        copy(source.textContent.trim(), source).then(function () {
          button.textContent = "Đã sao chép ✓";
        }, function () {
          button.textContent = "Hãy bôi đen và sao chép";
        }).then(function () {
          setTimeout(function () { button.textContent = label; }, 1800);
        });
      });
    });
  });
})();
