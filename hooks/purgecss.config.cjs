// PurgeCSS settings for hooks/purge_css.py (the style sheets, pages and scripts are given on its
// command line). Custom properties no kept rule refers to are dropped too: Material defines
// about 140 (icons of admonitions, task lists, Mermaid colours...), about 2 KiB gzip of every
// first load. PurgeCSS looks at each sheet alone, so a property defined in one sheet and used in
// the other must be kept by name: --md-hue (main.css and the slate scheme in palette.css; the
// dark scheme's colours are computed from it). tests/test_purge_css.py checks that every
// property a kept rule or site.css uses is still defined.
module.exports = {
  variables: true,
  safelist: { variables: ["--md-hue"] },
}
