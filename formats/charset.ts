import iconv from 'iconv-lite';

/**
 * The iconv-lite name of a legacy charset. 'ascii' is written as Latin-1 (and checked by
 * unencodableIn), because Node's ASCII encoder would turn 'ä' into another byte without a word.
 */
export function iconvName(charset: string): string {
  const name = charset.toLowerCase() === 'ascii' ? 'latin1' : charset;
  if (!iconv.encodingExists(name)) throw new RangeError(`unknown character encoding "${charset}"`);
  return name;
}

/** `"Ł" (U+0141)`: the character and its code point, so an invisible one can be found too. */
export function describeCharacter(char: string): string {
  const code = (char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return `${JSON.stringify(char)} (U+${code})`;
}

/**
 * A check for text about to be written in `charset`: the first character that charset has no
 * bytes for, or undefined. iconv-lite writes such a character as '?' and says nothing, which would
 * put "?ukasz" into a legacy system; text is therefore encoded and decoded back before it is written.
 */
export function unencodableIn(charset: string): (text: string) => string | undefined {
  const name = iconvName(charset);
  if (charset.toLowerCase() === 'ascii') return (text) => /[^\0-\x7f]/u.exec(text)?.[0];
  const survives = (text: string): boolean => iconv.decode(iconv.encode(text, name), name) === text;
  // The usual legacy charsets keep ASCII as it is: then most values need no round trip at all.
  const keepsAscii = survives(String.fromCharCode(...Array.from({ length: 0x80 }, (_, i) => i)));
  return (text) => {
    if ((keepsAscii && /^[\0-\x7f]*$/.test(text)) || survives(text)) return undefined;
    return [...text].find((char) => !survives(char));
  };
}
