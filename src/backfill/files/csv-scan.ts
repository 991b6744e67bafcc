// Counting and checking the records of a CSV upload as its bytes arrive, without parsing its
// fields: quotes and line ends are ASCII, so a byte scan finds every record boundary. It
// follows csv-parse's rules as csvRecords configures them (records end at LF or CRLF,
// outside quotes; empty lines are skipped; a quote opens a field only at its start and
// closes it only before a comma or a line end), so a file that scans clean parses clean.
// A full parse costs about ten times as much: this lets an upload get its row count, and a
// malformed file its 400, at once, before any row is applied.

const QUOTE = 0x22
const COMMA = 0x2c
const LF = 0x0a
const CR = 0x0d

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'closing' | 'closingCR'

export class CsvScanner {
  /** Records seen so far (the header included). */
  records = 0
  #state: State = 'fieldStart'
  /** The current line holds something besides its line end (empty lines are skipped). */
  #content = false
  /** An unquoted CR waits to learn whether an LF follows (a line end) or not (data). */
  #pendingCR = false
  #line = 1
  #bom = 0
  #error: string | undefined

  get error(): string | undefined {
    return this.#error
  }

  write(chunk: Buffer): void {
    if (this.#error) return
    let i = 0
    // A UTF-8 byte order mark at the very start is not data.
    while (this.#bom < 3 && i < chunk.length) {
      if (chunk[i] !== [0xef, 0xbb, 0xbf][this.#bom]) {
        this.#bom = 3
        break
      }
      this.#bom++
      i++
    }
    for (; i < chunk.length; i++) {
      const byte = chunk[i]
      // No value can hold it (PostgreSQL's text cannot): the file is refused, not its rows.
      if (byte === 0) return this.#fail('it holds a NUL character (byte 0), which no value may hold')
      switch (this.#state) {
        case 'quoted':
          if (byte === QUOTE) this.#state = 'closing'
          else if (byte === LF) this.#line++
          break
        case 'closing':
          if (byte === QUOTE) this.#state = 'quoted'
          else if (byte === COMMA) this.#state = 'fieldStart'
          else if (byte === LF) this.#endRecord()
          else if (byte === CR) this.#state = 'closingCR'
          else return this.#fail(`a closing quote is followed by '${String.fromCharCode(byte)}' instead of a comma or a line end`)
          break
        case 'closingCR':
          if (byte !== LF) return this.#fail('a closing quote is followed by a carriage return that does not end the line')
          this.#endRecord()
          break
        default: {
          if (this.#pendingCR) {
            this.#pendingCR = false
            if (byte === LF) {
              this.#endRecord()
              break
            }
            this.#content = true
            this.#state = 'unquoted'
          }
          if (byte === LF) this.#endRecord()
          else if (byte === CR) this.#pendingCR = true
          else {
            this.#content = true
            if (byte === COMMA) this.#state = 'fieldStart'
            else if (byte === QUOTE) {
              if (this.#state !== 'fieldStart') return this.#fail('a quote appears inside an unquoted field')
              this.#state = 'quoted'
            } else this.#state = 'unquoted'
          }
        }
      }
    }
  }

  /** Ends the input; returns the error of a malformed file, if any. */
  end(): string | undefined {
    if (this.#error) return this.#error
    if (this.#state === 'quoted') this.#fail('a quoted field is not closed')
    if (this.#state === 'closingCR') this.#fail('a closing quote is followed by a carriage return that does not end the line')
    if (this.#error) return this.#error
    if (this.#pendingCR) this.#content = true
    if (this.#content) this.records++
    return undefined
  }

  #endRecord(): void {
    if (this.#content) this.records++
    this.#content = false
    this.#state = 'fieldStart'
    this.#line++
  }

  #fail(reason: string): undefined {
    this.#error = `The file is not a valid CSV file: ${reason} (line ${this.#line})`
    return undefined
  }
}
