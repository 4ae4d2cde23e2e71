// Copy buttons of the registry's pages: a button with data-copy="ID" copies
// the text of the element with that id. The buttons stay hidden without
// JavaScript (the text can still be selected). Writes only textContent.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) {
      return;
    }
    var status = button.parentNode.querySelector(".copy-status");
    var say = function (text) {
      if (status) {
        status.textContent = text;
      }
    };
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.textContent;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () { say("Copied"); },
          function () { select(source); say("Copy failed: the text is selected, press Ctrl+C"); }
        );
      } else {
        select(source);
        say("Selected: press Ctrl+C to copy");
      }
    });
  });
  function select(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
});
