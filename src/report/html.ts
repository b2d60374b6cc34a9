/** What the reports (compare's, the batch-vs-decay preset's) share: escaping for HTML and Markdown, the page's head. */

/** Text for HTML, where it is read as text. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Text for Markdown, where it is read as text: table pipes escaped, and `<`, `>` and `&` as entities, since
 * Markdown passes raw HTML through (a file named `<img onerror=…>.csv` must stay a name).
 */
export function escapeMd(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');
}

/** The start of a report page, up to and including `<body>`: the title (escaped here) and the shared style. */
export function reportHead(title: string, extraCss = ''): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; max-width: 1400px; \
margin: 2em auto; padding: 0 1em; color: #222; }
  h1 { font-size: 1.6em; margin-bottom: 0.2em; }
  table { border-collapse: collapse; margin: 1em 0; font-variant-numeric: tabular-nums; }
  th, td { border-bottom: 1px solid #ddd; padding: 0.4em 0.8em; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  th { background: #f4f5f7; }
  figure { margin: 1.5em 0; }
  figure svg { max-width: 100%; height: auto; }
  figcaption { color: #555; font-size: 0.9em; }
  code { background: #f4f5f7; padding: 0 0.25em; border-radius: 3px; }
${extraCss}</style>
</head>
<body>`;
}
