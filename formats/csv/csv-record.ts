/**
 * Splits one logical CSV record (RFC 4180 quoting, "" for a quote inside a quoted field) into
 * fields. It reports "incomplete" when the text ends inside a quoted field, so the caller can
 * join the next physical line, and names the field and column of any quoting error.
 */
export type CsvSplit =
  | { fields: string[] }
  | { incomplete: true }
  /** `field` counts from 1, as the message does */
  | { error: string; field: number };

export function splitCsvRecord(text: string, delimiter: string, quote = '"'): CsvSplit {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    const fieldNumber = fields.length + 1;
    if (text.startsWith(quote, i)) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const close = text.indexOf(quote, from);
        if (close < 0) return { incomplete: true };
        value += text.slice(from, close);
        if (text.startsWith(quote, close + 1)) {
          value += quote;
          from = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      fields.push(value);
      if (i === text.length) return { fields };
      if (!text.startsWith(delimiter, i)) {
        return {
          error: `field ${fieldNumber}: unexpected ${JSON.stringify(text[i])} after the closing quote (column ${i + 1})`,
          field: fieldNumber,
        };
      }
      i += delimiter.length;
    } else {
      const end = text.indexOf(delimiter, i);
      const value = text.slice(i, end < 0 ? text.length : end);
      const stray = value.indexOf(quote);
      if (stray >= 0) {
        return {
          error: `field ${fieldNumber}: quote inside an unquoted field (column ${i + stray + 1})`,
          field: fieldNumber,
        };
      }
      fields.push(value);
      if (end < 0) return { fields };
      i = end + delimiter.length;
    }
    if (i === text.length) {
      fields.push('');
      return { fields };
    }
  }
}
