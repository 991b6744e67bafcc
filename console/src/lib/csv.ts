// Delimited text (CSV, TSV, DSV) as rows of cells, RFC 4180 quoting with any one-character
// separator; what the console needs to preview a result and count an upload's rows.

/**
 * The rows of `text`. With `final` false the text is a prefix of a longer file: its last row
 * may be cut, and is left out.
 */
export function parseDelimited(text: string, separator = ',', final = true): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  let i = 0
  // A byte order mark is not part of the first header.
  if (text.charCodeAt(0) === 0xfeff) i = 1
  let rowStart = true
  for (; i < text.length; i++) {
    const char = text[i]
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          cell += '"'
          i++
        } else quoted = false
      } else cell += char
      continue
    }
    if (char === '"' && cell === '') {
      quoted = true
      rowStart = false
    } else if (char === separator) {
      row.push(cell)
      cell = ''
      rowStart = false
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      rowStart = true
    } else {
      cell += char
      rowStart = false
    }
  }
  if (final && !rowStart) {
    row.push(cell)
    rows.push(row)
  }
  return rows
}

/** One row as delimited text (quoted where it must be). */
export function formatRow(cells: readonly string[], separator = ','): string {
  return cells.map((cell) => (cell.includes(separator) || /["\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(separator)
}
