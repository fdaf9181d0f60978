/* A question's picture, on the projector and on the phone.

   Every `question` frame carries `image`: {url, alt, width, height}, or null when the
   question has none (docs/protocol.md, "Pictures"). The URL is a random name under
   /media/ on this server; nothing is ever loaded from anywhere else.

   Projector (Quiz.ProjectorPicture): the picture large beside the prompt. The question
   screen gets `has-picture` and `picture-landscape|square|portrait`, and the stylesheet
   gives the picture a column as wide as its shape needs.

   Phone (Quiz.PhonePicture): the picture small above the answers, as a button named by
   its alt text; a tap (or Enter or Space) opens it whole in a modal dialog, also named
   by the alt text. Escape, the Close button or a tap outside the picture closes it, and
   focus goes back to the small picture. The answer buttons are the phone's job, so the
   small picture gives way: at most a fifth of the screen's height, lower still (down
   to a 48 px strip) when the question would otherwise not fit on the screen, and
   below that a small chip in the question's header line, which takes no height.
   Its size is set from the frame's width and height before the file arrives, so
   nothing moves when it does.

   Loaded after common.js, before projector.js or phone.js. */
(function () {
  "use strict";

  var Q = window.Quiz;

  function usable(image) {
    return !!image && typeof image.url === "string" && image.url.charAt(0) === "/" &&
      image.url.charAt(1) !== "/" && typeof image.alt === "string" &&
      image.width > 0 && image.height > 0;
  }

  function shapeOf(image) {
    var ratio = image.width / image.height;
    if (ratio >= 1.2) return "landscape";
    if (ratio <= 0.85) return "portrait";
    return "square";
  }

  /* The size attributes let the page keep the picture's place before it has loaded. */
  function fill(img, image) {
    img.setAttribute("src", image.url);
    img.setAttribute("alt", image.alt);
    img.setAttribute("width", String(image.width));
    img.setAttribute("height", String(image.height));
  }

  function empty(img) {
    img.removeAttribute("src");
    img.setAttribute("alt", "");
  }

  Q.ProjectorPicture = function (options) {
    var screen = options.screen;
    var figure = options.figure;
    var img = figure.querySelector("img");
    var SHAPES = ["landscape", "square", "portrait"];

    function draw(image) {
      var shown = usable(image);
      if (shown) fill(img, image); else empty(img);
      Q.show(figure, shown);
      screen.classList.toggle("has-picture", shown);
      SHAPES.forEach(function (shape) {
        screen.classList.toggle("picture-" + shape, shown && shapeOf(image) === shape);
      });
    }

    return { draw: draw };
  };

  // The small picture's height: a share of the screen, at most, and at least a strip
  // a thumb can still tap.
  var THUMB_SHARE = 0.2;
  var THUMB_MAX_PX = 176;
  var THUMB_MIN_PX = 48;
  var COMPACT_PX = 26;
  var COMPACT_WIDEST_PX = 60;

  Q.PhonePicture = function (options) {
    var thumb = options.thumb;
    var thumbImg = thumb.querySelector("img");
    var dialog = options.dialog;
    var bigImg = dialog.querySelector("img");
    var closeButton = options.closeButton;
    var ratio = 1;

    function sizeTo(height, widest) {
      var box = thumb.parentNode;
      var style = window.getComputedStyle(box);
      var room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 4;
      var width = Math.min(height * ratio, Math.max(room, THUMB_MIN_PX), widest || Infinity);
      thumbImg.style.width = Math.round(width) + "px";
      thumbImg.style.height = Math.round(width / ratio) + "px";
      // The corner mark would hide most of a picture this small.
      thumb.classList.toggle("is-small", width < 80 || width / ratio < 80);
    }

    /* The picture's height: the cap, less whatever the page would otherwise scroll.
       Below the 48 px strip it moves up into the question's header line as a chip
       (between "Question 2 of 8" and the timer), where it takes no height at all. */
    function fit() {
      if (thumb.hidden || thumb.offsetParent === null) return;  // not on screen now
      thumb.classList.remove("is-compact");
      var height = Math.min(THUMB_MAX_PX, Math.round(window.innerHeight * THUMB_SHARE));
      sizeTo(height);
      var over = document.documentElement.scrollHeight - window.innerHeight;
      if (over <= 0) return;
      if (height - over >= THUMB_MIN_PX) {
        sizeTo(height - over);
      } else {
        thumb.classList.add("is-compact");
        sizeTo(COMPACT_PX, COMPACT_WIDEST_PX);
      }
    }

    function isOpen() {
      return dialog.hasAttribute("open");
    }

    function close() {
      if (isOpen() && typeof dialog.close === "function") dialog.close();
    }

    function open() {
      if (thumb.hidden || isOpen()) return;
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
      closeButton.focus();
    }

    function draw(image, kind) {
      var shown = usable(image);
      // A snapshot of the same question (a resync) leaves an open picture open.
      if (shown && isOpen() && bigImg.getAttribute("src") === image.url) return;
      close();
      if (shown) {
        fill(thumbImg, image);
        fill(bigImg, image);
        dialog.setAttribute("aria-label", image.alt);
        thumb.setAttribute("data-shape", shapeOf(image));
      } else {
        empty(thumbImg);
        empty(bigImg);
        dialog.removeAttribute("aria-label");
      }
      thumb.setAttribute("data-kind", kind || "");
      Q.show(thumb, shown);
      if (shown) {
        ratio = image.width / image.height;
        // After the caller has drawn the answers and shown the screen.
        window.requestAnimationFrame(fit);
      }
    }

    thumb.addEventListener("click", open);
    closeButton.addEventListener("click", close);
    // A tap on the dark backdrop lands on the dialog itself, not on what it holds.
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog || event.target === bigImg) close();
    });
    // Escape closes a modal dialog by itself; either way the focus goes back.
    dialog.addEventListener("close", function () {
      if (!thumb.hidden) thumb.focus();
    });

    window.addEventListener("resize", fit);

    return { draw: draw, close: close, isOpen: isOpen, fit: fit };
  };
})();
