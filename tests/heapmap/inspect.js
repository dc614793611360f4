// inspect.js: run.sh inlines this into a page holding the screenshot (as a
// data: URL, which leaves the canvas readable) and a standalone SVG picture
// (an <object>; Chromium runs with --allow-file-access-from-files so its
// document can be read). It leaves its findings as data- attributes of
// <body> for --dump-dom: the screenshot's colours (counted at 5 bits per
// channel), its ink (pixels that are not near white, per mille), the pixels
// in the scan blue and the noscan orange, and the SVG's span cells, those
// with a non-empty box, and parser errors.
window.addEventListener('load', function () {
  var body = document.body;
  var img = document.getElementById('shot');
  var c = document.createElement('canvas');
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  var g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  var d = g.getImageData(0, 0, c.width, c.height).data;
  var colors = {}, n = 0, ink = 0, blue = 0, orange = 0;
  for (var i = 0; i < d.length; i += 4) {
    var r = d[i], gr = d[i + 1], b = d[i + 2];
    colors[(r >> 3) + ',' + (gr >> 3) + ',' + (b >> 3)] = 1;
    n++;
    if (r < 240 || gr < 240 || b < 240) ink++;
    if (b > r + 60 && b > gr + 20) blue++;
    if (r > b + 60 && r > gr + 20) orange++;
  }
  body.setAttribute('data-png-size', c.width + 'x' + c.height);
  body.setAttribute('data-png-colors', Object.keys(colors).length);
  body.setAttribute('data-png-ink-permille', n ? Math.round(1000 * ink / n) : 0);
  body.setAttribute('data-png-blue', blue);
  body.setAttribute('data-png-orange', orange);
  var doc = null;
  try {
    doc = document.getElementById('svg').contentDocument;
  } catch (e) {
    body.setAttribute('data-svg-error', String(e));
  }
  if (doc) {
    var rects = doc.querySelectorAll('rect.span'), shown = 0;
    for (var j = 0; j < rects.length; j++) {
      var bb = rects[j].getBoundingClientRect();
      if (bb.width > 0 && bb.height > 0) shown++;
    }
    body.setAttribute('data-svg-spans', rects.length);
    body.setAttribute('data-svg-rendered', shown);
    body.setAttribute('data-svg-parsererror', doc.getElementsByTagName('parsererror').length);
  }
});
